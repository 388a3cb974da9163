using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Storage;

/// <summary>The email outbox's part of a group commit.</summary>
internal sealed partial class BatchState
{
    // Expand and Record are no longer used: the email sender expands, claims and records on its own connection
    // (OutboxClaims). They go together with their two cases in StoreWriter.Commit and the two commands.
    public Action Expand(ExpandNotificationsCommand command)
    {
        var deliveries = 0;
        var waiting = db.Notifications.AsNoTracking().Where(n => n.ExpandedAt == null)
            .OrderBy(n => n.Id).Take(command.MaxNotifications).ToList();
        foreach (var notification in waiting)
            deliveries += outbox.Expand(_transaction, notification, now);
        return () => command.Complete(deliveries);
    }

    public Action Record(RecordDeliveryCommand command)
    {
        outbox.Record(_transaction, command.Outcome);
        return () => command.Complete(command.Outcome);
    }

    private void RecordConfirmation(int subjectId, string email)
    {
        db.Notifications.Add(new NotificationEntity { Kind = NotificationKind.Confirmation, SubjectId = subjectId, Email = email, CreatedAt = now });
        RecordedNotifications = true;
    }
}
