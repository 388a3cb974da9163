using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A PUSH publisher as a load client: each round trip sends one message in the source's plain shape,
/// <c>[subject, text]</c>, going round <paramref name="subjects"/>, at most <see cref="PushTally.MaxLead"/> ahead of what the store has taken. Each sent
/// message is counted in <paramref name="tally"/>, and its socket lingers on close so that every counted one arrives.
/// </summary>
internal sealed class PushChannel(string endpoint, IReadOnlyList<string> subjects, string text, PushTally tally) : IRequestChannel
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(15);

    private readonly PushSocket _socket = Connect(endpoint);
    private readonly byte[][] _subjects = [.. subjects.Select(Encoding.UTF8.GetBytes)];
    private readonly byte[] _text = Encoding.UTF8.GetBytes(text);
    private int _next;

    public string? RoundTrip()
    {
        tally.WaitForRoom();
        // The second frame follows the first at once: only the first can wait for room.
        var subject = _subjects[_next];
        _next = (_next + 1) % _subjects.Length;
        if (!_socket.TrySendFrame(SendTimeout, subject, more: true))
            throw new TimeoutException($"The gateway took no ingest message for {SendTimeout.TotalSeconds} s.");
        _socket.SendFrame(_text);
        tally.Add();
        return null;
    }

    public void Dispose() => _socket.Dispose();

    private static PushSocket Connect(string endpoint)
    {
        var socket = new PushSocket();
        socket.Options.Linger = TimeSpan.FromSeconds(30);
        socket.Connect(endpoint);
        return socket;
    }
}

/// <summary>
/// Messages sent by PUSH publishers to subjects only they write, against what the store has of them (the subjects'
/// sequences from <paramref name="start"/>). A PUSH peer blocks only once the source, both sockets and the kernel's buffers are full,
/// and with 11-byte messages and a 32 MiB receive buffer that is a minute of the store's work: without a lead limit
/// one window's backlog would be stored in the next.
/// </summary>
internal sealed class PushTally(HttpClient http, IReadOnlyList<string> subjects, long start)
{
    /// <summary>About a second of the store's work: enough that it never waits for the publisher.</summary>
    public const int MaxLead = 2_000;

    private long _sent;
    private long _stored;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>The subjects' sequences together once every sent message is stored.</summary>
    public long Target => start + Sent;

    public void Add() => Interlocked.Increment(ref _sent);

    /// <summary>Returns once fewer than <see cref="MaxLead"/> sent messages wait for the store.</summary>
    public void WaitForRoom()
    {
        while (Sent - Volatile.Read(ref _stored) >= MaxLead)
        {
            Volatile.Write(ref _stored, StoreProbe.LastSequence(http, subjects) - start);
            if (Sent - Volatile.Read(ref _stored) >= MaxLead)
                // Polled: the store says nothing to a publisher; the backlog keeps it busy meanwhile.
                Thread.Sleep(10);
        }
    }
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
/// The ingest subjects' last sequence numbers together (what the store has committed) and the REST tally, read at the
/// edges of a load's measured window: updates stored in the window, counted at the store rather than at the publisher.
/// </summary>
internal sealed class StoreProbe(HttpClient http, IReadOnlyList<string> subjects, RestTally? tally = null) : IWindowProbe
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private (long Sequence, long Created, long Refused) _begin;

    public long Stored { get; private set; }
    public long RestCreated { get; private set; }
    public long RestRefused { get; private set; }

    /// <summary>The subjects' last sequence numbers added up; a subject the source has not created yet counts 0.</summary>
    public static long LastSequence(HttpClient http, IReadOnlyList<string> subjects) => subjects.Sum(subject =>
    {
        using var response = http.GetAsync($"{RestWorkloads.SubjectsPath}/{subject}").GetAwaiter().GetResult();
        if (response.StatusCode == HttpStatusCode.NotFound)
            return 0;
        response.EnsureSuccessStatusCode();
        return (response.Content.ReadFromJsonAsync<SubjectReading>(WebJson).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException($"GET {subject} answered null.")).LastSequence;
    });

    /// <summary>
    /// Waits until the subjects' sequences add up to <paramref name="sequence"/>: the source has stored every message
    /// its publishers sent, and the next window starts with nothing of this one's still queued.
    /// </summary>
    public static void WaitStored(HttpClient http, IReadOnlyList<string> subjects, long sequence, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long now;
        while ((now = LastSequence(http, subjects)) < sequence)
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"{string.Join(", ", subjects)} were at {now} updates of {sequence} {timeout.TotalSeconds} s after the publisher stopped.");
            // Polled: nothing tells the generator when the gateway has stored the last message it holds.
            Thread.Sleep(100);
        }
    }

    public void Begin() => _begin = (LastSequence(http, subjects), tally?.Created ?? 0, tally?.Refused ?? 0);

    public void End()
    {
        Stored = LastSequence(http, subjects) - _begin.Sequence;
        RestCreated = (tally?.Created ?? 0) - _begin.Created;
        RestRefused = (tally?.Refused ?? 0) - _begin.Refused;
    }

    private sealed record SubjectReading(long LastSequence);
}
