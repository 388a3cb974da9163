using MessageQueue.Gateway.Storage;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Email;

/// <summary>One update as a mail reports it.</summary>
internal sealed record MailedUpdate(long Sequence, string Text, DateTimeOffset Timestamp, string Origin);

/// <summary>The updates a mail reports, oldest first, and how many more it leaves to the dashboard link.</summary>
internal sealed record MailedUpdates(IReadOnlyList<MailedUpdate> Shown, int More)
{
    public long FirstSequence => Shown[0].Sequence;
}

/// <summary>
/// Reads the updates a mail reports: their text, time and door, not the subject's whole content, so that a mail stays
/// readable however long the subject grows. A mail shows at most <see cref="MaxShown"/> updates and
/// <see cref="MaxShownChars"/> characters of their text, the rest counted ("and N more") behind the link.
/// </summary>
internal sealed class MailContent(IDbContextFactory<MessageQueueDbContext> contextFactory)
{
    public const int MaxShown = 20;
    public const int MaxShownChars = 16 * 1024;

    /// <summary>The updates of a subject from <paramref name="first"/> to <paramref name="last"/> (sequence numbers, both included).</summary>
    public async Task<MailedUpdates> ReadAsync(int subjectId, long first, long last, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var updates = await db.Updates.AsNoTracking()
            .Where(u => u.SubjectId == subjectId && u.Sequence >= first && u.Sequence <= last)
            .OrderBy(u => u.Sequence)
            .Take(MaxShown)
            .Select(u => new MailedUpdate(u.Sequence, u.Text, u.Timestamp, u.Origin))
            .ToListAsync(cancellationToken);
        if (updates.Count == 0)
            throw new InvalidOperationException($"Subject {subjectId} has no update from {first} to {last}.");

        var shown = new List<MailedUpdate>(updates.Count);
        var chars = 0;
        foreach (var update in updates)
        {
            // The first one always, cut if need be; the others only whole.
            if (shown.Count > 0 && chars + update.Text.Length > MaxShownChars)
                break;
            shown.Add(update.Text.Length <= MaxShownChars ? update : update with { Text = update.Text[..MaxShownChars] + "…" });
            chars += update.Text.Length;
        }
        return new MailedUpdates(shown, (int)(last - first + 1) - shown.Count);
    }
}
