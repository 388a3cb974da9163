using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Legacy;

/// <summary>The store survives restarts of the real gateway process: graceful ones and SIGKILL.</summary>
public sealed class PersistenceTests(ITestOutputHelper output)
{
    private static readonly string[] Subjects = ["SpringBoot", "NodeJs", "React", "Django"];
    private const int MaxConcurrency = 4;

    [Fact]
    public async Task UpdatesAndRegistrationsSurviveAGracefulRestart()
    {
        using var data = new TempDirectory();
        await using (var first = await GatewayProcess.StartAsync(data.Path))
        {
            using var peer = new LegacyPeer(first.ReplyEndpoint);
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "before restart 1" }));
            Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = "before restart 2" }));
            Assert.Contains("isSuccess", peer.Request(new { type = "2", subject = "React", email = "kept@example.com" }), StringComparison.Ordinal);
            await first.StopAsync();
            Assert.Equal(0, first.ExitCode);
        }

        await using var second = await GatewayProcess.StartAsync(data.Path);
        using var again = new LegacyPeer(second.ReplyEndpoint);
        Assert.Equal("isSuccess", again.Request(new { type = "3", subject = "React", updateMessage = "after restart" }));
        var content = LegacyProtocolTests.ContentOf(again.Request(new { type = "2", subject = "React", email = "other@example.com" }));
        Assert.EndsWith("\nbefore restart 1\nbefore restart 2\nafter restart", content, StringComparison.Ordinal);

        // The registration made before the restart is still there: removing it succeeds once.
        Assert.Equal("isSuccess", again.Request(new { type = "4", subject = "React", email = "kept@example.com" }));
    }

    [Fact]
    public async Task WithoutAFlushEachCommitAnAcknowledgedUpdateStillSurvivesSigkill()
    {
        using var data = new TempDirectory();
        var environment = new Dictionary<string, string> { ["Store__FlushEachCommit"] = "false" };
        await using (var doomed = await GatewayProcess.StartAsync(data.Path, environment))
        {
            using var peer = new LegacyPeer(doomed.ReplyEndpoint);
            for (var i = 1; i <= 20; i++)
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "React", updateMessage = $"unflushed {i}" }));
            await doomed.KillAsync();
        }

        await using var second = await GatewayProcess.StartAsync(data.Path, environment);
        using var again = new LegacyPeer(second.ReplyEndpoint);
        var content = LegacyProtocolTests.ContentOf(again.Request(new { type = "2", subject = "React", email = "reader@example.com" }));
        Assert.EndsWith(string.Concat(Enumerable.Range(1, 20).Select(i => $"\nunflushed {i}")), content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryAcknowledgedUpdateSurvivesSigkill()
    {
        using var data = new TempDirectory();
        var acknowledged = new List<string>();
        await using (var doomed = await GatewayProcess.StartAsync(data.Path))
        {
            using var peer = new LegacyPeer(doomed.ReplyEndpoint);
            for (var i = 0; i < 50; i++)
            {
                var text = $"acked {i}";
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = text }));
                acknowledged.Add(text);
            }
            // DisposeAsync kills the process tree without warning: no graceful shutdown, no flush.
        }

        await using var revived = await GatewayProcess.StartAsync(data.Path);
        using var reader = new LegacyPeer(revived.ReplyEndpoint);
        var content = LegacyProtocolTests.ContentOf(reader.Request(new { type = "2", subject = "Django", email = "a@b.com" }));
        Assert.EndsWith("\n" + string.Join('\n', acknowledged), content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryUpdateAcknowledgedOnAnyDoorSurvivesSigkillUnderMixedLoadAndIsMailed()
    {
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        var environment = MixedLoadEnvironment(smtp.Port);
        // One address registered through each door, confirmed at once (no double opt-in here); two on React.
        var registered = new (string Subject, string Email)[] { ("React", "zmq-reader@example.com"), ("React", "rest-reader@example.com"), ("NodeJs", "hub-reader@example.com") };

        MixedLoad load;
        await using (var doomed = await GatewayProcess.StartAsync(data.Path, environment))
        {
            await RegisterThroughEachDoorAsync(doomed, registered);
            load = await MixedLoad.StartAsync(doomed, Subjects);
            // Kill mid-load: once every door has had updates acknowledged and well before any client stopped.
            await Poll.UntilAsync(() => load.Count("zmq") >= 100 && load.Count("rest") >= 100 && load.Count("hub") >= 100 && smtp.Messages().Count > 0,
                () => "The load never got going: " + load.Describe(), TimeSpan.FromSeconds(60));
            Assert.Empty(load.Ends);
            await doomed.KillAsync();
        }
        await load.WaitForEveryClientToStopAsync(MixedLoad.ReplyTimeout * 3);
        await using var _ = load;
        Assert.DoesNotContain(load.Ends, e => e.How == ClientEndKind.Stopped);

        await using var revived = await GatewayProcess.StartAsync(data.Path, environment);
        var histories = await StoredUpdates.AssertEveryAcknowledgedUpdateIsStoredAsync(revived, Subjects, load.Acknowledged);

        // The revived gateway goes on from the last stored sequence number.
        using var http = new HttpClient { BaseAddress = revived.HttpAddress };
        var next = await http.PostAsJsonAsync("/api/subjects/Django/updates", new { text = "after the kill" });
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.Equal(histories["Django"].Count + 1, (await next.Content.ReadFromJsonAsync<MessageQueue.Gateway.Api.UpdateResource>(HubPeerJson.Options))!.Sequence);

        // Every stored update (acknowledged or caught by the kill after its commit) is mailed to every address on
        // its subject; the only mails sent twice are those the server had accepted when the process died, before
        // their "sent" was committed: at most one per sender.
        var ledger = new MailLedger(smtp);
        var expected = registered.SelectMany(r => histories[r.Subject].Select(u => (r.Email, r.Subject, u.Sequence))).ToList();
        await ledger.WaitForAsync(expected, TimeSpan.FromSeconds(120));
        var twice = ledger.Duplicates();
        output.WriteLine($"Killed under load: {load.Describe()}; stored after restart: {histories.Values.Sum(h => h.Count)}; mails {ledger.Mails.Count} for {expected.Count} expected, {twice.Count} twice.");
        Assert.True(twice.Count <= MaxConcurrency, $"{twice.Count} mails were sent twice: {string.Join(", ", twice)}");
        // Only the addresses registered before the kill: the check above registers one more on every subject, which
        // then gets the mail of the update posted after the restart.
        var expectedSet = expected.ToHashSet();
        Assert.All(ledger.Mails.Where(m => registered.Any(r => r.Email == m.Recipient)), m => Assert.Contains((m.Recipient, m.Subject, m.Sequence), expectedSet));
    }

    /// <summary>Settings for a gateway under <see cref="MixedLoad"/>: mail to the sink, registrations confirmed at once, no rate limit.</summary>
    internal static Dictionary<string, string> MixedLoadEnvironment(int smtpPort) => new(StoredUpdates.WholeReplay)
    {
        ["Smtp__Host"] = "127.0.0.1",
        ["Smtp__Port"] = $"{smtpPort}",
        ["Smtp__Security"] = "None",
        ["Email__ConfirmSubscriptions"] = "false",
        ["Email__MaxConcurrency"] = $"{MaxConcurrency}",
        // Updates still collect into one mail while a round is under way, but no mail waits a minute for its interval.
        ["Email__MinIntervalSeconds"] = "0",
        // Every REST and hub client here is 127.0.0.1, one client to the limiter: the load would trip it in a second.
        ["RateLimiting__Enabled"] = "false",
    };

    /// <summary>Registers the first address over the legacy door, the second over REST, the rest over the hub.</summary>
    internal static async Task RegisterThroughEachDoorAsync(GatewayProcess gateway, IReadOnlyList<(string Subject, string Email)> registered)
    {
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        Assert.Contains("isSuccess", peer.Request(new { type = "2", email = registered[0].Email, subject = registered[0].Subject }), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        var rest = await http.PostAsJsonAsync($"/api/subjects/{registered[1].Subject}/subscriptions", new { email = registered[1].Email });
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);
        foreach (var (subject, email) in registered.Skip(2))
            await hub.Connection.InvokeAsync<object>("RegisterEmail", subject, email);
    }
}
