using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// The change stream's sink for browsers: each update goes to its subject's group, serialized once for all of them;
/// a deletion tells the group and empties it. The send is not awaited: a browser that reads slowly queues behind its
/// own connection's write lock (in order), never in front of the others, and one whose send stays stuck past
/// Hub:SendTimeoutSeconds is disconnected by SignalR and catches up when it subscribes again (a browser that keeps up
/// slowly is not bounded yet). Sending to a group writes to every member's connection, which is real work: this sink
/// keeps its own delivery loop, woken only for an update of a subject some browser here has joined.
/// </summary>
internal sealed partial class HubUpdateSink(
    IHubContext<SubjectsHub, ISubjectsClient> hub, BrowserPresence presence, ILogger<HubUpdateSink> logger) : IChangeSink
{
    public string Name => "hub-groups";

    /// <summary>
    /// A browser is counted in before it reads the subject's state (<see cref="SubjectsHub.Subscribe"/>), so an update
    /// published while nobody was counted is in what any later subscriber reads.
    /// </summary>
    public bool Wants(SubjectChange change) => change is not SubjectUpdate update || presence.CountMembers(update.SubjectId) > 0;

    public ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken)
    {
        switch (change)
        {
            case SubjectUpdate update:
                Observe(hub.Clients.Group(SubjectsHub.GroupOf(update.SubjectId)).Update(UpdateResource.From(update.Subject, update.ToEntry())));
                break;
            case SubjectDeleted deleted:
                LetGoOf(deleted);
                break;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Tells the subject's subscribers, then empties its group, without waiting for either.</summary>
    private void LetGoOf(SubjectDeleted deleted)
    {
        var group = SubjectsHub.GroupOf(deleted.SubjectId);
        Observe(hub.Clients.Group(group).SubjectDeleted(deleted.Subject));
        foreach (var connectionId in presence.RemoveSubject(deleted.Subject, deleted.SubjectId))
            Observe(hub.Groups.RemoveFromGroupAsync(connectionId, group));
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
            Log.SendFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5000, LogLevel.Debug, "A send to browsers failed (the connection closed meanwhile)")]
        public static partial void SendFailed(ILogger logger, Exception exception);
    }
}
