using System.Buffers.Text;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Many lean SignalR clients of one subject: raw WebSockets to /hubs/subjects without negotiation, the JSON
/// protocol's handshake, one Subscribe invocation each, then one receive loop per connection that stamps each read
/// and only looks for what it needs: the update's text marker ("p7" a probe, "m42" update 42), a completion, a close.
/// Update n is timed from the moment the generator recorded it as sent (<see cref="Sent"/>) to its arrival.
/// A ping every 10 s keeps the server's client timeout (30 s) away.
/// </summary>
internal sealed class HubClientGroup : IDisposable
{
    private const byte RecordSeparator = 0x1E;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);
    private static readonly byte[] Handshake = Record("""{"protocol":"json","version":1}""");
    private static readonly byte[] Ping = Record("""{"type":6}""");

    private readonly ClientWebSocket?[] _sockets;
    private readonly Task[] _receiving;
    private readonly SemaphoreSlim[] _sendLocks;
    private readonly bool[] _joined;
    private readonly long[] _lastNumber;
    private readonly long[] _sentAt;
    private readonly int[] _delivered;
    private readonly long[] _latencies;
    private readonly ManualResetEventSlim _allSubscribed = new();
    private readonly ManualResetEventSlim _allJoined = new();
    private readonly ManualResetEventSlim _complete = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pinging;
    private int _subscribed;
    private int _joinedCount;
    private long _awaited = -1;
    private int _duplicates;
    private string? _failure;
    private int _closed;
    private int _disposed;

    private HubClientGroup(int count, int capacity)
    {
        _sockets = new ClientWebSocket?[count];
        _receiving = new Task[count];
        Array.Fill(_receiving, Task.CompletedTask);
        _sendLocks = [.. Enumerable.Range(0, count).Select(_ => new SemaphoreSlim(1, 1))];
        _joined = new bool[count];
        _lastNumber = new long[count];
        Array.Fill(_lastNumber, -1);
        _sentAt = new long[capacity];
        _delivered = new int[capacity];
        _latencies = new long[(long)capacity * count];
        _pinging = Task.Run(PingAsync);
    }

    public int Count => _sockets.Length;

    /// <summary>How many updates (numbers 0 to Capacity - 1) can be timed.</summary>
    public int Capacity => _sentAt.Length;

    /// <summary>Connections the server closed, or that failed, since they opened.</summary>
    public int Closed => Volatile.Read(ref _closed);

    /// <summary>Updates that reached a connection more than once (never expected).</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>The first thing that went wrong on any connection: a refused handshake or Subscribe, a close.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Opens <paramref name="count"/> connections to the hub (at most 32 opening at once), each subscribing to
    /// <paramref name="subject"/>, and returns once every Subscribe has completed.
    /// </summary>
    public static HubClientGroup Open(Uri server, string subject, int count, int capacity, TimeSpan timeout)
    {
        var group = new HubClientGroup(count, capacity);
        try
        {
            var hub = new UriBuilder(server) { Scheme = "ws", Path = "/hubs/subjects" }.Uri;
            var subscribe = Record($$"""{"type":1,"invocationId":"1","target":"Subscribe","arguments":["{{subject}}",null]}""");
            var clock = Stopwatch.StartNew();
            using var deadline = new CancellationTokenSource(timeout);
            var options = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = deadline.Token };
            Parallel.ForEachAsync(Enumerable.Range(0, count), options, (i, ct) => group.ConnectAsync(i, hub, subscribe, ct))
                .GetAwaiter().GetResult();
            if (!group._allSubscribed.Wait(Max(TimeSpan.Zero, timeout - clock.Elapsed)))
                throw new TimeoutException($"{group._subscribed} of {count} hub connections had subscribed after {timeout.TotalSeconds} s{group.FailureText}.");
            if (group.Failure is { } failure)
                throw new InvalidOperationException($"A hub connection failed: {failure}");
            return group;
        }
        catch (OperationCanceledException ex)
        {
            group.Dispose();
            throw new TimeoutException($"Opening {count} hub connections to {server} took over {timeout.TotalSeconds} s{group.FailureText}.", ex);
        }
        catch
        {
            group.Dispose();
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
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stopping.Cancel();
        foreach (var socket in _sockets)
            socket?.Abort();
        // Abort ends every pending receive at once; the loops only record and return.
        Task.WhenAll(_receiving.Append(_pinging)).Wait(TimeSpan.FromSeconds(10));
        foreach (var socket in _sockets)
            socket?.Dispose();
        foreach (var sendLock in _sendLocks)
            sendLock.Dispose();
        _stopping.Dispose();
        _allSubscribed.Dispose();
        _allJoined.Dispose();
        _complete.Dispose();
    }

    private string FailureText => Failure is { } failure ? $" (first failure: {failure})" : "";

    private async ValueTask ConnectAsync(int index, Uri hub, byte[] subscribe, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        // SignalR pings at its own level; no WebSocket keep-alive frames on top.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        _sockets[index] = socket;
        await socket.ConnectAsync(hub, cancellationToken);
        await SendAsync(index, Handshake, cancellationToken);
        _receiving[index] = ReceiveAsync(index, socket);
        await SendAsync(index, subscribe, cancellationToken);
    }

    private async Task SendAsync(int index, byte[] message, CancellationToken cancellationToken)
    {
        await _sendLocks[index].WaitAsync(cancellationToken);
        try
        {
            await _sockets[index]!.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLocks[index].Release();
        }
    }

    private async Task PingAsync()
    {
        using var timer = new PeriodicTimer(PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                for (var i = 0; i < _sockets.Length; i++)
                {
                    if (_sockets[i] is { State: WebSocketState.Open })
                        await SendAsync(i, Ping, _stopping.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopping, or a connection went away: its receive loop records why.
        }
    }

    private async Task ReceiveAsync(int index, ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var filled = 0;
        var handshaken = false;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                    Array.Resize(ref buffer, buffer.Length * 2);
                var result = await socket.ReceiveAsync(buffer.AsMemory(filled), _stopping.Token);
                var receivedAt = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Fail($"connection {index} closed by the server: {socket.CloseStatus} {socket.CloseStatusDescription}");
                    return;
                }
                filled = OnReceived(index, buffer, filled + result.Count, receivedAt, ref handshaken);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            if (!_stopping.IsCancellationRequested)
                Fail($"connection {index}: {ex.Message}");
        }
    }

    /// <summary>Handles every complete record in the buffer; returns how many bytes of an incomplete one remain at its start.</summary>
    private int OnReceived(int index, byte[] buffer, int filled, long receivedAt, ref bool handshaken)
    {
        var start = 0;
        int length;
        while ((length = buffer.AsSpan(start, filled - start).IndexOf(RecordSeparator)) >= 0)
        {
            var record = buffer.AsSpan(start, length);
            if (!handshaken)
            {
                handshaken = true;
                if (record.IndexOf("\"error\""u8) >= 0)
                    Fail($"connection {index} handshake refused: {Encoding.UTF8.GetString(record)}");
            }
            else
            {
                OnRecord(index, record, receivedAt);
            }
            start += length + 1;
        }
        buffer.AsSpan(start, filled - start).CopyTo(buffer);
        return filled - start;
    }

    private void OnRecord(int index, ReadOnlySpan<byte> record, long receivedAt)
    {
        var type = record.IndexOf("\"type\":"u8);
        switch (type >= 0 && type + 7 < record.Length ? record[type + 7] : 0)
        {
            case (byte)'1' when record.IndexOf("\"target\":\"Update\""u8) >= 0:
                OnUpdate(index, record, receivedAt);
                break;
            case (byte)'3':
                if (record.IndexOf("\"error\""u8) >= 0)
                    Fail($"connection {index} Subscribe refused: {Encoding.UTF8.GetString(record)}");
                else if (Interlocked.Increment(ref _subscribed) == Count)
                    _allSubscribed.Set();
                break;
            case (byte)'7':
                Fail($"connection {index} closed by the hub: {Encoding.UTF8.GetString(record)}");
                break;
            default:
                // Pings, and invocations of other targets.
                break;
        }
    }

    private void OnUpdate(int index, ReadOnlySpan<byte> record, long receivedAt)
    {
        var text = record.IndexOf("\"text\":\""u8);
        if (text < 0 || text + 9 > record.Length)
            return;
        var marker = record[(text + 8)..];
        if (!Utf8Parser.TryParse(marker[1..], out long number, out var used) || marker.Length <= used + 1 || marker[used + 1] != (byte)'"')
            return;
        if (marker[0] == (byte)'p')
        {
            if (!_joined[index])
            {
                _joined[index] = true;
                if (Interlocked.Increment(ref _joinedCount) == Count)
                    _allJoined.Set();
            }
        }
        else if (marker[0] == (byte)'m' && number >= 0 && number < Capacity)
        {
            // One receive loop per connection: updates arrive in order, so a repeat is a duplicate.
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
    }

    private void Fail(string failure)
    {
        Interlocked.Increment(ref _closed);
        Interlocked.CompareExchange(ref _failure, failure, null);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static byte[] Record(string json) => [.. Encoding.UTF8.GetBytes(json), RecordSeparator];
}
