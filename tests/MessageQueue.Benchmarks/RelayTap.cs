using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A subscriber of a cluster's Redis channel in this generator, on its own thread: it stamps the moment each relayed
/// commit carrying an update marked "m42" arrives, as an instance would receive it. So a cross-instance delivery splits
/// into the first instance's part (request, commit, PUBLISH, Redis) and the last one's (from the message to its doors).
/// Its own bytes are counted, so that they can be left out of Redis's.
/// </summary>
internal sealed class RelayTap : IDisposable
{
    private readonly RespClient _client;
    private readonly Thread _thread;
    private SubscriberGroup.Round? _round;
    private long _bytes;

    public RelayTap(RedisServer redis, string channel)
    {
        _client = RespClient.Connect(redis.Port, receiveTimeout: TimeSpan.Zero);
        try
        {
            // The confirmation comes back before any message: from here on, nothing published is missed.
            _client.Call("SUBSCRIBE", channel);
        }
        catch
        {
            _client.Dispose();
            throw;
        }
        _bytes = _client.Received;
        _thread = new Thread(Read) { IsBackground = true, Name = "relay-tap" };
        _thread.Start();
    }

    /// <summary>Bytes Redis has sent this subscriber so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Why the subscription ended, when it ended before <see cref="Dispose"/>.</summary>
    public string? Ended { get; private set; }

    /// <summary>Starts waiting for the update marked with <paramref name="number"/>; call just before sending it.</summary>
    public SubscriberGroup.Round Expect(long number, long sentAt)
    {
        var round = new SubscriberGroup.Round(number, subscribers: 1) { SentAt = sentAt };
        Volatile.Write(ref _round, round);
        return round;
    }

    public void Dispose()
    {
        // Closing the connection ends the blocked read.
        _client.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    // On the reader thread only: ["message", channel, payload] for each commit relayed.
    private void Read()
    {
        try
        {
            while (true)
            {
                var message = _client.Read() as object?[];
                var receivedAt = Stopwatch.GetTimestamp();
                Interlocked.Exchange(ref _bytes, _client.Received);
                if (message is ["message", _, string payload] && Volatile.Read(ref _round) is { } round && Carries(payload, round.Number))
                    round.Arrived(receivedAt);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or JsonException)
        {
            Ended = ex.Message;
        }
    }

    /// <summary>Whether the relayed commit holds the update whose text is "m" and the number (RelayedBatch's JSON).</summary>
    private static bool Carries(string payload, long number)
    {
        using var batch = JsonDocument.Parse(payload);
        var marker = "m" + number.ToString(CultureInfo.InvariantCulture);
        return batch.RootElement.TryGetProperty("Changes", out var changes)
            && changes.EnumerateArray().Any(c => c.TryGetProperty("Text", out var text) && text.GetString() == marker);
    }
}
