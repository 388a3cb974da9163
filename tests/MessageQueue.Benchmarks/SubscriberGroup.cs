using System.Buffers.Text;
using System.Diagnostics;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// N legacy SUB sockets on one subject, all owned by one poller thread that stamps each publication as it is
/// read. Updates carry a marker as their text ("p7" a probe, "m42" a measured update); since every publication
/// is the subject's whole content, the marker is its last line.
/// </summary>
internal sealed class SubscriberGroup : IDisposable
{
    private readonly SubscriberSocket[] _sockets;
    private readonly NetMQPoller _poller;
    private readonly bool[] _joined;
    private readonly ManualResetEventSlim _allJoined = new();
    private int _joinedCount;
    private Round? _round;

    public SubscriberGroup(string publishEndpoint, string subject, int count)
    {
        _joined = new bool[count];
        _sockets = new SubscriberSocket[count];
        _poller = [];
        for (var i = 0; i < count; i++)
        {
            var socket = _sockets[i] = new SubscriberSocket();
            socket.Options.Linger = TimeSpan.Zero;
            socket.Connect(publishEndpoint);
            // As the legacy client does: the subject name is the prefix filter.
            socket.Subscribe(subject);
            var index = i;
            socket.ReceiveReady += (_, e) => OnPublications(index, e.Socket);
            _poller.Add(socket);
        }
        _poller.RunAsync("sub-poller");
    }

    public int Count => _sockets.Length;

    /// <summary>Waits until every socket has received at least one probe: past the PUB/SUB slow-joiner gap.</summary>
    public bool WaitAllJoined(TimeSpan timeout) => _allJoined.Wait(timeout);

    /// <summary>Starts waiting for the update marked with <paramref name="number"/>; call just before sending it.</summary>
    public Round Expect(long number)
    {
        var round = new Round(number, _sockets.Length);
        Volatile.Write(ref _round, round);
        return round;
    }

    public void Dispose()
    {
        _poller.Dispose();
        foreach (var socket in _sockets)
            socket.Dispose();
        _allJoined.Dispose();
    }

    // On the poller thread only.
    private void OnPublications(int index, NetMQSocket socket)
    {
        while (socket.TryReceiveFrameBytes(TimeSpan.Zero, out var frame))
        {
            var receivedAt = Stopwatch.GetTimestamp();
            if (!TryReadMarker(frame, out var kind, out var number))
                continue;
            if (kind == 'p' && !_joined[index])
            {
                _joined[index] = true;
                if (++_joinedCount == _sockets.Length)
                    _allJoined.Set();
            }
            else if (kind == 'm' && Volatile.Read(ref _round) is { } round && round.Number == number)
            {
                round.Arrived(receivedAt);
            }
        }
    }

    private static bool TryReadMarker(byte[] publication, out char kind, out long number)
    {
        var lastLine = publication.AsSpan(publication.AsSpan().LastIndexOf((byte)'\n') + 1);
        kind = lastLine.Length > 1 ? (char)lastLine[0] : '\0';
        number = 0;
        return kind is 'p' or 'm' && Utf8Parser.TryParse(lastLine[1..], out number, out var used) && used == lastLine.Length - 1;
    }

    /// <summary>One update in flight: when it was sent and how long each subscriber took to get it.</summary>
    public sealed class Round(long number, int subscribers) : IDisposable
    {
        private readonly long[] _latencies = new long[subscribers];
        private readonly ManualResetEventSlim _complete = new();
        private int _arrived;

        public long Number { get; } = number;
        public long SentAt { get; set; }
        public int Arrivals => Volatile.Read(ref _arrived);
        public ReadOnlySpan<long> Latencies => _latencies.AsSpan(0, Arrivals);

        public bool WaitComplete(TimeSpan timeout) => _complete.Wait(timeout);

        public void Dispose() => _complete.Dispose();

        // On the poller thread only; each socket sees each publication once.
        internal void Arrived(long receivedAt)
        {
            _latencies[_arrived] = receivedAt - SentAt;
            Volatile.Write(ref _arrived, _arrived + 1);
            if (_arrived == _latencies.Length)
                _complete.Set();
        }
    }
}
