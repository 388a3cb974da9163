using System.Diagnostics;
using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>An update's way to an event stream: from a PUSH publisher through the pull source, and from a REST POST.</summary>
internal sealed record IngestStreamResult(int UpdatesPerDoor, Latency FromPublisher, Latency FromRest);

/// <summary>
/// Publisher-to-event-stream latency through the <c>pull</c> source against the REST door's, on the same gateway and
/// subject: one update at a time, alternating, each timed from just before it is sent to the moment a browser-like
/// event-stream reader has read it. Both are stored (flushed) before they reach the stream.
/// </summary>
internal static class IngestStreamLatency
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static IngestStreamResult Run(ServerProcess gateway, string pullEndpoint, BenchmarkOptions options)
    {
        var subject = IngestLatency.Subject;
        using var stream = new SseSubscriber(gateway.HttpAddress, subject);
        using var publisher = new IngestPublisher(pullEndpoint, text => IngestLatency.PlainMessage(text));
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);

        var joining = Stopwatch.StartNew();
        var probes = 0;
        do
        {
            if (joining.Elapsed > Timeout)
                throw new TimeoutException($"The event stream of {gateway.Name} got no probe within {Timeout.TotalSeconds} s (stream: {stream.Ended ?? "open"}).");
            publisher.Send($"p{probes++}");
        }
        while (!stream.WaitJoined(TimeSpan.FromMilliseconds(50)));

        var warmup = 2 * options.FanoutWarmupUpdates;
        List<long> fromPublisher = new(options.FanoutUpdates), fromRest = new(options.FanoutUpdates);
        // Numbered past the hub measurement's markers, so that no late one is taken for these.
        var first = 1_000_000;
        for (var number = first; number < first + warmup + 2 * options.FanoutUpdates; number++)
        {
            var viaRest = number % 2 == 1;
            var text = $"m{number}";
            var restUpdate = RestWorkloads.Update(subject, text);
            using var restRequest = restUpdate.ToRequest();
            using var round = stream.Expect(number);
            round.SentAt = Stopwatch.GetTimestamp();
            if (viaRest)
            {
                using var response = http.Send(restRequest);
                if (restUpdate.Check(response) is { } wrong)
                    throw new InvalidOperationException($"{gateway.Name} refused REST update {restUpdate.Path}: {wrong}");
            }
            else
            {
                publisher.Send(text);
            }
            if (!round.WaitComplete(Timeout))
                throw new TimeoutException($"Update {text} ({(viaRest ? "REST" : "ingest")}) did not reach the event stream within {Timeout.TotalSeconds} s (stream: {stream.Ended ?? "open"}).");
            if (number - first >= warmup)
                (viaRest ? fromRest : fromPublisher).Add(round.Latencies[0]);
        }
        var result = new IngestStreamResult(options.FanoutUpdates, Latency.FromTicks([.. fromPublisher]), Latency.FromTicks([.. fromRest]));
        Console.WriteLine(Invariant($"  ingest to an event stream            gateway  PUSH p50 {result.FromPublisher.P50Ms:0.00} ms  p99 {result.FromPublisher.P99Ms:0.00} ms; REST POST p50 {result.FromRest.P50Ms:0.00} ms  p99 {result.FromRest.P99Ms:0.00} ms  ({options.FanoutUpdates} each)"));
        return result;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
