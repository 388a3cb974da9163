using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Operations;

/// <summary>
/// What every door reports: each request's outcome, and each update it got accepted, with the update's
/// <see cref="UpdateId"/> in a Debug line (the first of the lines one grep for that id finds).
/// </summary>
public sealed partial class DoorTelemetry(GatewayMetrics metrics, UpdateRate rate, ILogger<DoorTelemetry> logger)
{
    public void Request(Door door, RequestOutcome outcome) => metrics.Request(door, outcome);

    /// <summary>The outcome of a request the application service answered.</summary>
    public void Request<T>(Door door, SubjectResult<T> result) => metrics.Request(door, OutcomeOf(result.Error));

    /// <summary>An update a door got stored: counts it (metrics, the overview's chart) and logs its id (the request itself is counted as any other).</summary>
    public void Accepted(SubjectUpdate update)
    {
        metrics.Accepted(update.Origin);
        rate.Record();
        Log.Accepted(logger, new UpdateId(update.SubjectId, update.Sequence), update.Subject, update.Sequence, update.Origin);
    }

    /// <summary>A refusal is the caller's mistake, except when the store could not take the change.</summary>
    public static RequestOutcome OutcomeOf(SubjectError? error) => error switch
    {
        null => RequestOutcome.Ok,
        { Kind: SubjectErrorKind.Unavailable } => RequestOutcome.Error,
        _ => RequestOutcome.Refused,
    };

    private static partial class Log
    {
        [LoggerMessage(7000, LogLevel.Debug, "Update {UpdateId} ({Subject}#{Sequence}) accepted at the {Door} door")]
        public static partial void Accepted(ILogger logger, UpdateId updateId, string subject, long sequence, string door);
    }
}
