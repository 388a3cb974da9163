using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Email;

/// <summary>
/// A busy subject does not flood an inbox: an address gets at most one mail per interval, and what came in between is
/// collected into the next; a digest lists everything since the last one; an address in mode off gets nothing.
/// </summary>
public sealed class MailCollectionTests
{
    [Fact]
    public async Task TwentyUpdatesToAnImmediateAddressGiveTwoMailsTheSecondListingTheOtherNineteenInOrder()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = Gateway(smtp, clock, ("Email:MinIntervalSeconds", "60"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "ada@example.com" }), HttpStatusCode.Created);

        await PostAsync(http, subject, "update 1");
        var first = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Equal([1L], MailAssert.ReportedSequences(first));
        for (var i = 2; i <= 20; i++)
            await PostAsync(http, subject, $"update {i}");
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("awaitingExpansion").GetInt32() == 1,
            () => "The address's next mail is not waiting for its interval.");
        Assert.Single(smtp.Messages()); // inside the interval nothing more went out

        clock.Advance(TimeSpan.FromSeconds(61));

        var mails = await smtp.WaitForAsync(2);
        Assert.Equal(2, mails.Count);
        var second = mails.Single(m => m.MessageId != first.MessageId);
        Assert.Equal(Enumerable.Range(2, 19).Select(i => (long)i), MailAssert.ReportedSequences(second));
        var text = second.TextBody!;
        var positions = Enumerable.Range(2, 19).Select(i => text.IndexOf($"\nupdate {i}\n", StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p > 0, $"An update is missing from the mail:\n{text}"));
        Assert.Equal(positions.Order(), positions); // oldest first
        Assert.DoesNotContain("\nupdate 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"?subject={subject}&after=1", text, StringComparison.Ordinal); // the link opens at the first of them
        await Poll.UntilAsync(async () => (await OutboxAsync(http)) is var o && o.GetProperty("awaitingExpansion").GetInt32() == 0 && o.GetProperty("pending").GetInt32() == 0,
            () => "Something was left to mail.");
    }

    [Fact]
    public async Task ADigestGoesOutOnceItsOldestUpdateIsDigestMinutesOldListingEverythingSinceTheLastOne()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = Gateway(smtp, clock, ("Email:DefaultMode", "digest"), ("Email:DigestMinutes", "60"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "bob@example.com" }), HttpStatusCode.Created);

        for (var i = 1; i <= 3; i++)
            await PostAsync(http, subject, $"morning {i}");
        await Poll.UntilAsync(async () => (await OutboxAsync(http)).GetProperty("digestsWaiting").GetInt32() == 1, () => "No digest is counted as waiting.");
        clock.Advance(TimeSpan.FromMinutes(59));
        await PostAsync(http, subject, "morning 4");
        clock.Advance(TimeSpan.FromMinutes(2)); // the first is an hour old, the last two minutes

        var digest = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Equal([1L, 2L, 3L, 4L], MailAssert.ReportedSequences(digest));

        // The next digest lists only what came after this one.
        await PostAsync(http, subject, "afternoon");
        clock.Advance(TimeSpan.FromMinutes(61));
        var mails = await smtp.WaitForAsync(2);
        Assert.Equal([5L], MailAssert.ReportedSequences(mails.Single(m => m.MessageId != digest.MessageId)));
    }

    [Fact]
    public async Task AnAddressInModeOffIsMailedNothingWhileTheOthersAre()
    {
        using var smtp = await SmtpSink.StartAsync();
        using var gateway = Gateway(smtp, TimeProvider.System, ("Email:DefaultMode", "off"));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        foreach (var email in new[] { "quiet@example.com", "loud@example.com" })
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email }), HttpStatusCode.Created);
        await using (var db = await gateway.Services.GetRequiredService<IDbContextFactory<MessageQueueDbContext>>().CreateDbContextAsync())
        {
            Assert.All(await db.Subscriptions.Where(s => s.Email.EndsWith("@example.com")).ToListAsync(), s => Assert.Equal(MailMode.Off, s.Mode));
            await db.Subscriptions.Where(s => s.Email == "loud@example.com").ExecuteUpdateAsync(s => s.SetProperty(x => x.Mode, MailMode.Immediate));
        }

        await PostAsync(http, subject, "news");

        // Both registrations were due in the same round: the one that mailed the loud address passed the quiet one by.
        var mail = Assert.Single(await smtp.WaitForAsync(1));
        Assert.Equal(["loud@example.com"], MailAssert.EnvelopeRecipients(mail));
        var outbox = await OutboxAsync(http);
        Assert.Equal(0, outbox.GetProperty("awaitingExpansion").GetInt32());
        Assert.Single(smtp.Messages());
    }

    private static GatewayFactory Gateway(SmtpSink smtp, TimeProvider clock, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(SmtpSink.GatewaySettings(smtp.Port)) { ["Email:ConfirmSubscriptions"] = "false" };
        foreach (var (key, value) in settings)
            all[key] = value;
        return new GatewayFactory(null, all, host => host.ConfigureTestServices(services => services.AddSingleton(clock)));
    }

    private static async Task PostAsync(HttpClient http, string subject, string text) =>
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text }), HttpStatusCode.Created);

    private static async Task<System.Text.Json.JsonElement> OutboxAsync(HttpClient http) =>
        await ApiAssert.Json(await http.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
}
