using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// The fan-out's sink for browsers: each update goes to its subject's group, serialized once for all of them.
/// The send is not awaited: a browser that reads slowly queues behind its own connection's write lock (in order),
/// never in front of the others, and one whose send stays stuck past Hub:SendTimeoutSeconds is disconnected by
/// SignalR and catches up when it subscribes again (a browser that keeps up slowly is not bounded yet). It also counts every update for the overview's chart (a sink of its
/// own would cost every update another hop).
/// </summary>
internal sealed partial class HubUpdateSink : IUpdateSink, IDisposable
{
    private readonly IHubContext<SubjectsHub, ISubjectsClient> _hub;
    private readonly SubjectCatalog _catalog;
    private readonly BrowserPresence _presence;
    private readonly UpdateRate _rate;
    private readonly ILogger<HubUpdateSink> _logger;

    public HubUpdateSink(
        IHubContext<SubjectsHub, ISubjectsClient> hub, SubjectCatalog catalog, BrowserPresence presence, UpdateRate rate, ILogger<HubUpdateSink> logger)
    {
        _hub = hub;
        _catalog = catalog;
        _presence = presence;
        _rate = rate;
        _logger = logger;
        _catalog.Removed += LetGoOfDeleted;
    }

    public string Name => "hub-groups";

    public ValueTask DeliverAsync(SubjectUpdate update, CancellationToken cancellationToken)
    {
        _rate.Record();

        // A deleted subject's last updates may still be in the fan-out when a new one takes its name and group.
        if (!_catalog.TryGet(update.Subject, out var current) || current.Id != update.SubjectId)
            return ValueTask.CompletedTask;
        Observe(_hub.Clients.Group(SubjectsHub.GroupOf(update.Subject)).Update(UpdateResource.From(update.Subject, update.ToEntry())));
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _catalog.Removed -= LetGoOfDeleted;

    /// <summary>
    /// On the store writer's thread, before any later commit, so a subject created again under the same name never
    /// loses its new subscribers: tell the old ones, then empty the group, without waiting for either, never throwing.
    /// </summary>
    private void LetGoOfDeleted(string subject)
    {
        try
        {
            var group = SubjectsHub.GroupOf(subject);
            Observe(_hub.Clients.Group(group).SubjectDeleted(subject));
            foreach (var connectionId in _presence.RemoveSubject(subject))
                Observe(_hub.Groups.RemoveFromGroupAsync(connectionId, group));
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, ex);
        }
    }

    private void Observe(Task sending)
    {
        if (!sending.IsCompletedSuccessfully)
            _ = LogFailureAsync(sending);
    }

    private async Task LogFailureAsync(Task sending)
    {
        try
        {
            await sending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5000, LogLevel.Debug, "A send to browsers failed (the connection closed meanwhile)")]
        public static partial void SendFailed(ILogger logger, Exception exception);
    }
}
