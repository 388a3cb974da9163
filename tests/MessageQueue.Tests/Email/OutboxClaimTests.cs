using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Storage;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Email;

/// <summary>A sender claims its mails for a lease: it renews only what it holds, and a dead sender's claim runs out.</summary>
public abstract class OutboxClaimContract(StoreProvider store)
{
    [Fact]
    public async Task MailClaimedByASenderThatDiedIsSentByAnotherOnceItsLeaseRunsOut()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = new GatewayFactory(null, SmtpSink.GatewaySettings(smtp.Port),
            host => host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)), store);
        var contexts = gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>();
        var now = clock.GetUtcNow();

        // A mail claimed for five minutes by a sender that no longer runs, and after it one that nobody holds, both due,
        // written in one transaction: the round that sends the second one has seen the first and left it alone.
        long ghost;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var react = await db.Subjects.Where(s => s.Name == "React").Select(s => s.Id).SingleAsync();
            ghost = await AddConfirmationAsync(db, react, "ghost@example.com", now, d =>
            {
                d.LeaseOwner = "gone-host:4242:DEADBEEF";
                d.LeaseExpiresAt = now.AddMinutes(5);
            });
            await AddConfirmationAsync(db, react, "marker@example.com", now, _ => { });
            await transaction.CommitAsync();
        }

        var marker = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Equal(["marker@example.com"], MailAssert.EnvelopeRecipients(marker));
        var held = await ReadAsync(contexts, ghost);
        Assert.Equal(("gone-host:4242:DEADBEEF", DeliveryState.Pending, 0), (held.LeaseOwner, held.State, held.Attempts));

        clock.Advance(TimeSpan.FromMinutes(6));

        var mails = await smtp.WaitForAsync(2);
        Assert.Equal(["ghost@example.com"], MailAssert.EnvelopeRecipients(mails[1]));
        // The sink has the mail before the sender has heard its answer and marked the delivery sent.
        var sent = await Poll.ForAsync(() => ReadAsync(contexts, ghost), d => d.State != DeliveryState.Pending, d => $"Still {d.State} after it was sent.");
        Assert.Equal((null, DeliveryState.Sent, 1), (sent.LeaseOwner, sent.State, sent.Attempts));
        Assert.Null(sent.LeaseExpiresAt);
        Assert.Equal(2, smtp.Messages().Count);
    }

    [Fact]
    public async Task AnUpdateIsMailedOnceItIsTheSeenLiveGraceOldAndAtOnceToAnAddressThatWantsEverything()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:MinIntervalSeconds"] = "0",
            ["Email:SeenGraceSeconds"] = "600",
        }, host => host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)), store);
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        foreach (var email in new[] { "ada@example.com", "all@example.com" })
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email }), HttpStatusCode.Created);
        await ApiAssert.Json(await http.PutAsJsonAsync($"/api/subjects/{subject}/subscriptions/all%40example.com", new { mailEvenWhenSeen = true }), HttpStatusCode.OK);

        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "one" }), HttpStatusCode.Created);
        Assert.Equal(["all@example.com"], MailAssert.EnvelopeRecipients(Assert.Single(await smtp.WaitForAsync(1))));
        // Ada's mail would have been composed in the same statement: it waits for the update to be ten minutes old.
        await using (var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync())
            Assert.False(await db.Deliveries.AnyAsync(d => d.Email == "ada@example.com"));

        clock.Advance(TimeSpan.FromMinutes(11));
        var toAda = Assert.Single(await smtp.WaitForAsync(2), m => MailAssert.EnvelopeRecipients(m).Contains("ada@example.com"));
        Assert.Equal([1L], MailAssert.ReportedSequences(toAda));
    }

    [Fact]
    public async Task ASenderRenewsItsClaimWhileAMailTakesLongerThanTheLease()
    {
        using var smtp = await SmtpSink.StartAsync(stallAfterData: true);
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port))
        {
            ["Smtp:TimeoutSeconds"] = "5",
            ["Email:LeaseSeconds"] = "1",
            ["Email:UnknownOutcomeRetryMinutes"] = "60",
        }, store: store);
        var contexts = gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>();
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "slow@example.com" }), HttpStatusCode.Created);

        // The server keeps the confirmation mail and never answers: the send lasts the 5 s timeout, five leases.
        await smtp.WaitForAsync(1);
        var claimed = await ReadAsync(contexts, "slow@example.com");
        Assert.NotNull(claimed.LeaseOwner);
        var renewed = claimed;
        await Poll.UntilAsync(async () =>
        {
            renewed = await ReadAsync(contexts, "slow@example.com");
            return renewed.State == DeliveryState.Pending && renewed.LeaseExpiresAt > claimed.LeaseExpiresAt;
        }, () => $"The claim was not renewed while the mail was on its way: {renewed.State}, held by {renewed.LeaseOwner} until {renewed.LeaseExpiresAt:O}.");
        Assert.Equal(claimed.LeaseOwner, renewed.LeaseOwner);

        // Its sender still held it when the server's silence ran out, so the outcome is recorded.
        await Poll.UntilAsync(async () => (renewed = await ReadAsync(contexts, "slow@example.com")).State == DeliveryState.Unconfirmed,
            () => $"The unknown outcome was not recorded: {renewed.State}.");
        Assert.Null(renewed.LeaseOwner);
    }

    [Fact]
    public async Task ASenderWhoseClaimRanOutAndWasTakenOverRecordsRenewsAndReleasesNothing()
    {
        using var gateway = new GatewayFactory(null, store: store);
        var contexts = gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>();
        var claims = gateway.Services.GetRequiredService<OutboxClaims>();
        var lease = TimeSpan.FromMinutes(1);
        // Due an hour from now: out of reach of the gateway's own sender, which claims by the real clock. Whole
        // seconds, which the store keeps exactly.
        var due = DateTimeOffset.UnixEpoch.AddSeconds(DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds());
        long id;
        await using (var db = await contexts.CreateDbContextAsync())
            id = await AddConfirmationAsync(db, await db.Subjects.Select(s => s.Id).FirstAsync(), "late@example.com", due, d => d.NextAttemptAt = due);

        Assert.Equal([id], await claims.ClaimAsync("first", 10, due, lease, CancellationToken.None));
        Assert.Empty(await claims.ClaimAsync("second", 10, due.AddSeconds(59), lease, CancellationToken.None));
        Assert.Equal([id], await claims.ClaimAsync("second", 10, due.AddSeconds(61), lease, CancellationToken.None));

        var sent = new DeliveryOutcome(id, DeliveryState.Sent, 1, due, null, due);
        Assert.Equal(0, await claims.RenewAsync("first", due.AddSeconds(62), lease, CancellationToken.None));
        Assert.False(await claims.RecordAsync("first", sent, CancellationToken.None));
        Assert.Equal(0, await claims.ReleaseAsync("first", CancellationToken.None));
        var taken = await ReadAsync(contexts, id);
        Assert.Equal(("second", DeliveryState.Pending, due.AddSeconds(61) + lease), (taken.LeaseOwner, taken.State, taken.LeaseExpiresAt));

        Assert.True(await claims.RecordAsync("second", sent, CancellationToken.None));
        var recorded = await ReadAsync(contexts, id);
        Assert.Equal((null, DeliveryState.Sent, null), (recorded.LeaseOwner, recorded.State, recorded.LeaseExpiresAt));
    }

    private static async Task<long> AddConfirmationAsync(MessageQueueDbContext db, int subjectId, string email, DateTimeOffset now, Action<DeliveryEntity> claim)
    {
        var notification = new NotificationEntity { Kind = NotificationKind.Confirmation, SubjectId = subjectId, Email = email, CreatedAt = now, ExpandedAt = now };
        db.Notifications.Add(notification);
        await db.SaveChangesAsync();
        var delivery = new DeliveryEntity { NotificationId = notification.Id, SubjectId = subjectId, Email = email, State = DeliveryState.Pending, NextAttemptAt = now };
        claim(delivery);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }

    private static async Task<DeliveryEntity> ReadAsync(IDbContextFactory<MessageQueueDbContext> contexts, long id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    private static async Task<DeliveryEntity> ReadAsync(IDbContextFactory<MessageQueueDbContext> contexts, string email)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Deliveries.AsNoTracking().SingleAsync(d => d.Email == email);
    }
}

public sealed class OutboxClaimTests() : OutboxClaimContract(StoreProvider.Sqlite);

/// <summary>The same on PostgreSQL.</summary>
public sealed class OutboxClaimOnPostgreSqlTests() : OutboxClaimContract(StoreProvider.PostgreSql);
