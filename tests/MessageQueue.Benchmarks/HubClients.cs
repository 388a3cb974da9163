using System.Diagnostics;

namespace MessageQueue.Benchmarks;

/// <summary>Which SignalR client the hub group's connections use.</summary>
internal enum HubClientKind
{
    /// <summary>Raw WebSockets reading only the text marker: <see cref="LeanHubClients"/>.</summary>
    Lean,

    /// <summary>Microsoft.AspNetCore.SignalR.Client's HubConnection, as a .NET application would use it: <see cref="DotnetHubClients"/>.</summary>
    Dotnet,
}

/// <summary>
/// N SignalR clients of one subject and what they received: Subscribe completions, probes ("p7") and numbered updates
/// ("m42", the update's text). Update n is timed from the moment the generator recorded it as sent (<see cref="Sent"/>)
/// to its arrival at each connection. The transports (subclasses) report what arrives; this class counts and waits.
/// </summary>
internal abstract class HubClients : IDisposable
{
    private readonly bool[] _joined;
    private readonly long[] _lastNumber;
    private readonly long[] _sentAt;
    private readonly int[] _delivered;
    private readonly long[] _latencies;
    private readonly ManualResetEventSlim _allSubscribed = new();
    private readonly ManualResetEventSlim _allJoined = new();
    private readonly ManualResetEventSlim _complete = new();
    private int _subscribed;
    private int _joinedCount;
    private long _awaited = -1;
    private int _duplicates;
    private string? _failure;
    private int _closed;
    private int _disposed;

    protected HubClients(int count, int capacity)
    {
        Count = count;
        _joined = new bool[count];
        _lastNumber = new long[count];
        Array.Fill(_lastNumber, -1);
        _sentAt = new long[capacity];
        _delivered = new int[capacity];
        _latencies = new long[(long)capacity * count];
    }

    public int Count { get; }

    /// <summary>How many updates (numbers 0 to Capacity - 1) can be timed.</summary>
    public int Capacity => _sentAt.Length;

    /// <summary>Connections the server closed, or that failed, since they opened.</summary>
    public int Closed => Volatile.Read(ref _closed);

    /// <summary>Updates that reached a connection more than once (never expected).</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>The first thing that went wrong on any connection: a refused handshake or Subscribe, a close.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    protected string FailureText => Failure is { } failure ? $" (first failure: {failure})" : "";

    /// <summary>
    /// Opens <paramref name="count"/> connections of the given kind to the hub at /hubs/subjects (at most 32 opening
    /// at once), each subscribing to <paramref name="subject"/>, and returns once every Subscribe has completed.
    /// </summary>
    public static HubClients Open(HubClientKind kind, Uri server, string subject, int count, int capacity, TimeSpan timeout)
    {
        var hub = new UriBuilder(server) { Path = "/hubs/subjects" }.Uri;
        HubClients clients = kind == HubClientKind.Lean ? new LeanHubClients(count, capacity) : new DotnetHubClients(count, capacity);
        return Open(clients, hub, subject, timeout);
    }

    /// <summary>Connects every client of <paramref name="clients"/> (another transport's, e.g. Pushpin's WebSockets) to <paramref name="hub"/>.</summary>
    public static HubClients Open(HubClients clients, Uri hub, string subject, TimeSpan timeout)
    {
        var (count, server) = (clients.Count, hub);
        try
        {
            var clock = Stopwatch.StartNew();
            using (var deadline = new CancellationTokenSource(timeout))
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = deadline.Token };
                try
                {
                    Parallel.ForEachAsync(Enumerable.Range(0, count), options, (i, ct) => clients.ConnectAsync(i, hub, subject, ct))
                        .GetAwaiter().GetResult();
                }
                catch (OperationCanceledException ex)
                {
                    throw new TimeoutException($"Opening {count} hub connections to {server} took over {timeout.TotalSeconds} s{clients.FailureText}.", ex);
                }
            }
            var left = timeout - clock.Elapsed;
            if (!clients._allSubscribed.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                throw new TimeoutException($"{clients._subscribed} of {count} hub connections had subscribed after {timeout.TotalSeconds} s{clients.FailureText}.");
            if (clients.Failure is { } failure)
                throw new InvalidOperationException($"A hub connection failed: {failure}");
            return clients;
        }
        catch
        {
            clients.Dispose();
            throw;
        }
    }

    /// <summary>Waits until every connection has received at least one probe.</summary>
    public bool WaitAllJoined(TimeSpan timeout) => _allJoined.Wait(timeout);

    /// <summary>Records update <paramref name="number"/> as sent now; call just before sending it.</summary>
    public void Sent(int number, long sentAt)
    {
        Volatile.Write(ref _sentAt[number], sentAt);
        Volatile.Write(ref _awaited, number);
        _complete.Reset();
    }

    /// <summary>Waits until update <paramref name="number"/> (the last one <see cref="Sent"/>) reached every connection.</summary>
    public bool WaitComplete(int number, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Delivered(number) < Count)
        {
            // A late previous update may set the event just after Sent reset it: check the count, not the event.
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero || !_complete.Wait(left))
                return Delivered(number) == Count;
            _complete.Reset();
        }
        return true;
    }

    public int Delivered(int number) => Volatile.Read(ref _delivered[number]);

    /// <summary>The latency of every delivery of updates <paramref name="from"/> to <paramref name="to"/> (exclusive), in Stopwatch ticks.</summary>
    public long[] Latencies(int from, int to)
    {
        var samples = new List<long>((to - from) * Count);
        for (var number = from; number < to; number++)
        {
            foreach (var ticks in _latencies.AsSpan(number * Count, Count))
            {
                if (ticks > 0)
                    samples.Add(ticks);
            }
        }
        return [.. samples];
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        Close();
        _allSubscribed.Dispose();
        _allJoined.Dispose();
        _complete.Dispose();
    }

    /// <summary>Connects client <paramref name="index"/>, subscribes it and returns once its Subscribe is sent.</summary>
    protected abstract ValueTask ConnectAsync(int index, Uri hub, string subject, CancellationToken cancellationToken);

    /// <summary>Closes every connection at once; failures reported after this are not counted.</summary>
    protected abstract void Close();

    /// <summary>One more client's Subscribe completed.</summary>
    protected void Subscribed()
    {
        if (Interlocked.Increment(ref _subscribed) == Count)
            _allSubscribed.Set();
    }

    /// <summary>An update's text arrived at client <paramref name="index"/>; one transport thread per client at a time.</summary>
    protected void Received(int index, char kind, long number, long receivedAt)
    {
        if (kind == 'p')
        {
            if (!_joined[index])
            {
                _joined[index] = true;
                if (Interlocked.Increment(ref _joinedCount) == Count)
                    _allJoined.Set();
            }
            return;
        }
        if (kind != 'm' || number < 0 || number >= Capacity)
            return;
        // Each connection gets its updates in order, so a repeat is a duplicate.
        if (number <= _lastNumber[index])
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        _lastNumber[index] = number;
        var n = (int)number;
        _latencies[(long)n * Count + index] = receivedAt - Volatile.Read(ref _sentAt[n]);
        if (Interlocked.Increment(ref _delivered[n]) == Count && Volatile.Read(ref _awaited) == n)
            _complete.Set();
    }

    protected void Fail(string failure)
    {
        Interlocked.Increment(ref _closed);
        Interlocked.CompareExchange(ref _failure, failure, null);
    }
}
