using System.Diagnostics;
using MessageQueue.Tests.Infrastructure;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>Per-source rate limits: a pull source over its budget waits (its PUSH peer is slowed, nothing lost); a sub source drops and counts.</summary>
public sealed class SourceRateLimitTests
{
    [Fact]
    public async Task APullSourceOverItsMessageRateWaitsAndLosesNothing()
    {
        const int Count = 300;
        const int PerSecond = 100;
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true"), ("MaxMessagesPerSecond", $"{PerSecond}")));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        await pusher.SendAsync("first");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count == 1, () => "The first message was not stored.");

        var clock = Stopwatch.StartNew();
        await pusher.SendSeriesAsync(Count, "m-");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count >= Count + 1,
            () => $"Only some of the {Count} pushed messages were stored.", TimeSpan.FromSeconds(30));

        // A second's budget passes at once, the rest at the rate: at least (300 - 100) / 100 = 2 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"{Count} messages at {PerSecond}/s were all stored after {clock.Elapsed}: the limit did not hold.");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"m-{i}").Prepend("first"), (await HistoryAsync(http, subject)).Select(u => u.Text));
        Assert.Equal(0, await CountAsync(http, source, "dropped"));
        Assert.True(Pauses(await http.GetStringAsync("/metrics"), source, "rate") > 0, "No pause for the rate was counted.");
    }

    [Fact]
    public async Task APullSourceOverItsByteRateWaits()
    {
        const int PerSecond = 4096;
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true"), ("MaxBytesPerSecond", $"{PerSecond}")));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 12; i++)
            await pusher.SendAsync($"{i:D2}" + new string('x', 1022));
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Count >= 12, () => "Not every message was stored.", TimeSpan.FromSeconds(30));

        // 12 KiB at 4 KiB/s: the first 4 KiB at once, and one message may take the balance below zero: at least 1.75 s.
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.7), $"12 KiB at {PerSecond} bytes/s were all stored after {clock.Elapsed}: the limit did not hold.");
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"{i:D2}"), (await HistoryAsync(http, subject)).Select(u => u.Text[..2]));
        Assert.True(Pauses(await http.GetStringAsync("/metrics"), source, "rate") > 0, "No pause for the rate was counted.");
    }

    [Fact]
    public async Task ASubSourceOverItsRateDropsAndCountsTheRest()
    {
        const int Count = 200;
        await using var publisher = await PythonFeeder.PublisherAsync();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint), ("MaxMessagesPerSecond", "20")));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);

        await publisher.SendSeriesAsync(Count, "m-", subject);

        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Count + await CountAsync(http, source, "dropped", "rate_limited") >= Count,
            () => "The series was neither all stored nor all counted.");
        var stored = (await HistoryAsync(http, subject)).Texts();
        // A burst of 200 against 20/s: a second's budget at most, plus what refilled while the burst arrived.
        Assert.InRange(stored.Count, 1, 60);
        Assert.Equal(stored.OrderBy(t => int.Parse(t[2..], System.Globalization.CultureInfo.InvariantCulture)), stored); // what passed kept its order
        Assert.True(await CountAsync(http, source, "dropped", "rate_limited") >= Count - 60);
    }

    private static double Pauses(string metrics, string source, string reason) =>
        Operations.PrometheusText.Value(metrics, "messagequeue_ingest_pauses_total", ("source", source), ("reason", reason));
}
