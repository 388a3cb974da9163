namespace MessageQueue.Gateway.Storage;

/// <summary>The email outbox's part of a group commit.</summary>
internal sealed partial class BatchState
{
    private void RecordConfirmation(int subjectId, string email)
    {
        db.Notifications.Add(new NotificationEntity { Kind = NotificationKind.Confirmation, SubjectId = subjectId, Email = email, CreatedAt = now });
        RecordedNotifications = true;
    }
}
