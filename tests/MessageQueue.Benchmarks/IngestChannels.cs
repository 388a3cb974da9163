using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A PUSH publisher as a load client: each round trip sends one frame, which blocks once the gateway's PULL source
/// and this socket hold their high-water marks (what a PUSH peer of a busy pull source sees), so the client sends
/// exactly as fast as the gateway takes.
/// </summary>
internal sealed class PushChannel : IRequestChannel
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(15);

    private readonly PushSocket _socket = new();
    private readonly byte[] _frame;

    public PushChannel(string endpoint, string text)
    {
        _frame = Encoding.UTF8.GetBytes(text);
        _socket.Options.Linger = TimeSpan.Zero;
        _socket.Connect(endpoint);
    }

    public string? RoundTrip()
    {
        if (!_socket.TrySendFrame(SendTimeout, _frame))
            throw new TimeoutException($"The gateway took no ingest message for {SendTimeout.TotalSeconds} s.");
        return null;
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Counts of a load's REST answers, shared by its clients.</summary>
internal sealed class RestTally
{
    private long _created;
    private long _refused;

    public long Created => Interlocked.Read(ref _created);

    /// <summary>503 Service Unavailable: the store's queue was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public void Count(HttpStatusCode status)
    {
        if (status == HttpStatusCode.Created)
            Interlocked.Increment(ref _created);
        else if (status == HttpStatusCode.ServiceUnavailable)
            Interlocked.Increment(ref _refused);
    }
}

/// <summary>
/// A REST update client that counts 201 and 503 answers instead of failing on a 503: beside a fast ingest source the
/// store's shared queue may be full, and how often that happens is what is measured.
/// </summary>
internal sealed class TallyingRestChannel(Uri server, IReadOnlyList<HttpExchange> exchanges, RestTally tally) : IRequestChannel
{
    private readonly IReadOnlyList<HttpExchange> _exchanges = exchanges;
    private readonly HttpClient _client = HttpChannel.CreateClient(server, TimeSpan.FromSeconds(15));
    private int _next;

    public string? RoundTrip()
    {
        var exchange = _exchanges[_next];
        _next = (_next + 1) % _exchanges.Count;
        using var request = exchange.ToRequest();
        using var response = _client.Send(request);
        tally.Count(response.StatusCode);
        return response.StatusCode == HttpStatusCode.ServiceUnavailable ? null : exchange.Check(response);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>
/// The ingest subject's last sequence number (what the store has committed) and the REST tally, read at the edges of
/// a load's measured window: updates stored in the window, counted at the store rather than at the publisher.
/// </summary>
internal sealed class StoreProbe(HttpClient http, string subject, RestTally? tally = null) : IWindowProbe
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private (long Sequence, long Created, long Refused) _begin;

    public long Stored { get; private set; }
    public long RestCreated { get; private set; }
    public long RestRefused { get; private set; }

    public static long LastSequence(HttpClient http, string subject) =>
        (http.GetFromJsonAsync<SubjectReading>($"{RestWorkloads.SubjectsPath}/{subject}", WebJson).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException($"GET {subject} answered null.")).LastSequence;

    /// <summary>Waits until the subject's sequence stops moving (the source's queued messages are stored); returns it.</summary>
    public static long WaitDrained(HttpClient http, string subject, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var last = LastSequence(http, subject);
        while (clock.Elapsed < timeout)
        {
            // Polled: nothing tells the generator when the gateway has stored the last message it holds.
            Thread.Sleep(250);
            var now = LastSequence(http, subject);
            if (now == last)
                return now;
            last = now;
        }
        throw new TimeoutException($"{subject} was still being written {timeout.TotalSeconds} s after the publisher stopped.");
    }

    public void Begin() => _begin = (LastSequence(http, subject), tally?.Created ?? 0, tally?.Refused ?? 0);

    public void End()
    {
        Stored = LastSequence(http, subject) - _begin.Sequence;
        RestCreated = (tally?.Created ?? 0) - _begin.Created;
        RestRefused = (tally?.Refused ?? 0) - _begin.Refused;
    }

    private sealed record SubjectReading(long LastSequence);
}
