using MessageQueue.Gateway.ScaleOut;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Storage;

/// <summary>A change waiting for the store writer. Its task completes once the change is committed or refused.</summary>
internal abstract class StoreCommand(string subject)
{
    public string Subject { get; } = subject;

    /// <summary>When the change was submitted (a <see cref="System.Diagnostics.Stopwatch"/> timestamp), for the store's wait metric.</summary>
    public long SubmittedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    public abstract void Fail(SubjectError error);
}

internal abstract class StoreCommand<T>(string subject) : StoreCommand(subject)
{
    // Completed on the writer's thread, and what its caller does next runs there until its next wait (replying,
    // enqueuing): one thread-pool hop fewer per change. A caller must never block after awaiting it.
    private readonly TaskCompletionSource<SubjectResult<T>> _completion = new();

    public Task<SubjectResult<T>> Completion => _completion.Task;

    public void Complete(SubjectResult<T> result) => _completion.TrySetResult(result);

    public override void Fail(SubjectError error) => Complete(error);
}

internal sealed class AppendUpdateCommand(string subject, string text, string origin, string? idempotencyKey) : StoreCommand<SubjectUpdate>(subject)
{
    public string Text { get; } = text;
    public string Origin { get; } = origin;

    /// <summary>When set, a repeat of an update already stored on the subject with this key completes with that one.</summary>
    public string? IdempotencyKey { get; } = idempotencyKey;
}

internal sealed class RegisterEmailCommand(string subject, string email) : StoreCommand<EmailRegistration>(subject)
{
    public string Email { get; } = email;
}

internal sealed class UnregisterEmailCommand(string subject, string email) : StoreCommand<SubjectSnapshot>(subject)
{
    public string Email { get; } = email;
}

internal sealed class CreateSubjectCommand(string subject, string content) : StoreCommand<SubjectSnapshot>(subject)
{
    public string Content { get; } = content;
}

/// <summary>Removes a subject with its history and registrations; completes with its last state.</summary>
internal sealed class DeleteSubjectCommand(string subject) : StoreCommand<SubjectSnapshot>(subject);

/// <summary>Marks a registration confirmed (double opt-in); completes with it, or refuses if it does not exist.</summary>
internal sealed class ConfirmEmailCommand(string subject, string email) : StoreCommand<EmailRegistration>(subject)
{
    public string Email { get; } = email;
}

/// <summary>Sets how often a registration is mailed, and whether what it saw live is; completes with it, or refuses if it does not exist.</summary>
internal sealed class SetMailModeCommand(string subject, string email, MailSettings settings) : StoreCommand<EmailRegistration>(subject)
{
    public string Email { get; } = email;
    public MailSettings Settings { get; } = settings;
}

/// <summary>
/// Changes another instance committed, as it relayed them: applied to this instance's catalog and doors in order,
/// anything it missed before them read back from the store. Nobody waits for it.
/// </summary>
internal sealed class RelayedChangesCommand(IReadOnlyList<RelayedChange> changes) : StoreCommand<bool>("")
{
    public IReadOnlyList<RelayedChange> Changes { get; } = changes;
}

/// <summary>
/// Compares every subject's row with the catalog and applies what this instance has not heard of (created, updated,
/// deleted, registrations counted elsewhere): delivery goes on, late, when the relay between instances is down.
/// </summary>
internal sealed class ReconcileCommand() : StoreCommand<bool>("");

/// <summary>What became of one attempt to send a delivery.</summary>
internal sealed record DeliveryOutcome(long DeliveryId, DeliveryState State, int Attempts, DateTimeOffset NextAttemptAt, string? Error, DateTimeOffset? SentAt);
