using System.Diagnostics;
using System.Net.Http.Json;
using MessageQueue.Gateway.Email;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Legacy;

public sealed class ShutdownTests(ITestOutputHelper output)
{
    private static readonly string[] Subjects = ["SpringBoot", "NodeJs", "React", "Django"];

    [Fact]
    public async Task UpdateAcknowledgedJustBeforeAGracefulStopStillReachesSubscribers()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);
        using var peer = new LegacyPeer(gateway.ReplyEndpoint);
        using var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "SpringBoot");
        subscriber.WaitUntilJoined(peer, "SpringBoot");

        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "SpringBoot", updateMessage = "last words" }));
        await gateway.StopAsync();

        Assert.Equal(0, gateway.ExitCode);
        Assert.EndsWith("\nlast words", subscriber.Receive(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigtermUnderLoadOnEveryDoorExitsPromptlyAnswersOrRefusesCleanlyAndLosesNothing()
    {
        using var data = new TempDirectory();
        using var smtp = await SmtpSink.StartAsync();
        var environment = PersistenceTests.MixedLoadEnvironment(smtp.Port);
        var registered = new (string Subject, string Email)[] { ("React", "zmq-reader@example.com"), ("Django", "rest-reader@example.com"), ("React", "hub-reader@example.com") };

        MixedLoad load;
        var lastPublished = new Dictionary<string, string>();
        var streamEnd = "";
        TimeSpan exitedAfter;
        await using (var gateway = await GatewayProcess.StartAsync(data.Path, environment))
        {
            await PersistenceTests.RegisterThroughEachDoorAsync(gateway, registered);
            using var peer = new LegacyPeer(gateway.ReplyEndpoint);
            using var subscriber = new LegacySubscriber(gateway.PublishEndpoint, "");
            subscriber.WaitUntilJoined(peer, "SpringBoot");
            using var http = new HttpClient { BaseAddress = gateway.HttpAddress, Timeout = Timeout.InfiniteTimeSpan };
            await using var stream = await EventStreamClient.OpenAsync(http, "/api/subjects/React/events");

            load = await MixedLoad.StartAsync(gateway, Subjects);
            await Poll.UntilAsync(() => load.Count("zmq") >= 50 && load.Count("rest") >= 50 && load.Count("hub") >= 50 && smtp.Messages().Count > 0,
                () => "The load never got going: " + load.Describe(), TimeSpan.FromSeconds(60));
            Assert.Empty(load.Ends);

            var stopping = Stopwatch.StartNew();
            gateway.Terminate();
            Assert.True(await gateway.WaitForExitAsync(TimeSpan.FromSeconds(15)), "Still running 15 s after SIGTERM:\n" + gateway.Output);
            exitedAfter = stopping.Elapsed;
            Assert.Equal(0, gateway.ExitCode);

            // The event stream was ended by the server, not cut: its last line arrives, then the end.
            streamEnd = await ReadToEndAsync(stream);
            // Every publication sent before the sockets closed arrived; the last one of each subject carries its content.
            while (subscriber.TryReceive(TimeSpan.FromSeconds(1), out var frame))
                lastPublished[frame![..frame!.IndexOf(' ', StringComparison.Ordinal)]] = frame;
        }
        await load.WaitForEveryClientToStopAsync(MixedLoad.ReplyTimeout * 3);
        await using var _ = load;
        output.WriteLine($"Exited {exitedAfter.TotalMilliseconds:0} ms after SIGTERM; {load.Describe()}; event stream: {streamEnd}");

        Assert.Equal("ended", streamEnd);
        Assert.DoesNotContain(load.Ends, e => e.How == ClientEndKind.Stopped);

        await using var revived = await GatewayProcess.StartAsync(data.Path, environment);
        var histories = await StoredUpdates.AssertEveryAcknowledgedUpdateIsStoredAsync(revived, Subjects, load.Acknowledged);
        bool Stored(ClientEnd end) => histories[end.InFlightSubject!].Any(u => u.Text == end.InFlightText);
        foreach (var end in load.Ends)
            output.WriteLine($"  {end}; its update stored: {Stored(end)}");

        // A request that got no answer was never carried out: the legacy door stops reading before it drains, Kestrel
        // answers every request it read, and the hub answers its calls in flight. A stored one would be an answer lost at close.
        Assert.All(load.Ends.Where(e => e.Door is "zmq" or "rest" or "hub"), e => Assert.False(Stored(e), $"{e} was stored but never answered."));
        // HTTP clients were answered (201 or 503) while their connection lasted; what ended one was a refused
        // connection or (keep-alive's race) a connection closed before its next request was read, never a reset.
        Assert.All(load.Ends.Where(e => e.Door == "rest"), e => Assert.True(e.How == ClientEndKind.ConnectionRefused || e.Detail!.Contains("ResponseEnded", StringComparison.Ordinal), e.ToString()));
        // The hub closed its connections itself once the calls in flight had answered: a Close message behind the
        // answers and a close frame, never the abort SignalR does by itself (which cut answers already written).
        Assert.All(load.Ends.Where(e => e.Door == "hub"), e => Assert.Equal(ClientEndKind.ConnectionClosed, e.How));

        // ZeroMQ closed with its linger: subscribers got every stored update, up to the last.
        using var legacy = new LegacyPeer(revived.ReplyEndpoint);
        foreach (var subject in Subjects)
        {
            var content = LegacyProtocolTests.ContentOf(legacy.Request(new { type = "2", subject, email = "after-the-fault@example.com" }));
            Assert.Equal($"{subject} {content}", lastPublished.GetValueOrDefault(subject));
        }

        // The outbox picks up where it stopped: every mail arrives once, and nothing is left waiting or parked.
        var ledger = new MailLedger(smtp);
        var expected = registered.SelectMany(r => histories[r.Subject].Select(u => (r.Email, r.Subject, u.Sequence))).ToList();
        await ledger.WaitForAsync(expected, TimeSpan.FromSeconds(120));
        Assert.Empty(ledger.Duplicates());
        using var http2 = new HttpClient { BaseAddress = revived.HttpAddress };
        OutboxState? outbox = null;
        await Poll.UntilAsync(async () =>
        {
            outbox = await http2.GetFromJsonAsync<OutboxState>("/api/email/outbox");
            return outbox is { AwaitingExpansion: 0, Pending: 0, Retrying: 0 };
        }, () => $"The outbox never settled: {outbox}");
        Assert.Equal(0, outbox!.Parked);
        Assert.Equal(ledger.MailCount, outbox.Sent);
    }

    /// <summary>"ended" when the server closed the stream, else what went wrong.</summary>
    private static async Task<string> ReadToEndAsync(EventStreamClient stream)
    {
        try
        {
            while (!await stream.EndsAsync(TimeSpan.FromSeconds(10)))
            {
            }
            return "ended";
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }
}
