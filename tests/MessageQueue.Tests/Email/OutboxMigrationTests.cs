using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Email;

/// <summary>A store made before deliveries had claims keeps its pending mail through the upgrade.</summary>
public sealed class OutboxMigrationTests
{
    /// <summary>The last migration before the claims.</summary>
    private const string PreviousSchema = "20261125132649_EmailOutbox";

    [Fact]
    public async Task PendingMailOfAStoreFromBeforeClaimsIsSentAfterTheUpgrade()
    {
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        // Rows as that version wrote them: a confirmation mail expanded and pending after a failed attempt, and an
        // update with one confirmed reader, not expanded yet.
        await PreviousStore.CreateAsync(data.Path, PreviousSchema,
                """
                INSERT INTO Notifications (Kind, SubjectId, Sequence, Email, CreatedAt, ExpandedAt) VALUES ('Confirmation', 3, 0, 'kept@example.com', {0}, {0});
                INSERT INTO Deliveries (NotificationId, Email, State, Attempts, NextAttemptAt, LastError) VALUES (last_insert_rowid(), 'kept@example.com', 'Pending', 1, {0}, 'IOException: refused');
                INSERT INTO Subscriptions (SubjectId, Email, NormalizedEmail, CreatedAt, ConfirmedAt) VALUES (3, 'reader@example.com', 'reader@example.com', {0}, {0});
                INSERT INTO Updates (SubjectId, Sequence, Text, Timestamp, Door) VALUES (3, 1, 'from before the upgrade', {0}, 'Rest');
                UPDATE Subjects SET LastSequence = 1, LastUpdatedAt = {0} WHERE Id = 3;
                INSERT INTO Notifications (Kind, SubjectId, Sequence, Email, CreatedAt, ExpandedAt) VALUES ('Update', 3, 1, NULL, {0}, NULL);
                """);

        using var gateway = new GatewayFactory(data.Path, SmtpSink.GatewaySettings(smtp.Port));

        var mails = await smtp.WaitForAsync(2);
        Assert.Equal(["kept@example.com", "reader@example.com"], mails.SelectMany(MailAssert.EnvelopeRecipients).Order());
        var update = Assert.Single(mails, m => m.Subject == "Pub-Sub System update content - React");
        Assert.Contains("from before the upgrade", update.TextBody, StringComparison.Ordinal);

        // The registration from before modes existed is mailed immediately, and has been mailed through that update.
        await using var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync();
        var registration = await db.Subscriptions.SingleAsync(s => s.Email == "reader@example.com");
        Assert.Equal((MailMode.Immediate, 1L), (registration.Mode, registration.MailedThrough));
    }
}
