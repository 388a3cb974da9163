using System.Collections.Concurrent;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// One thread that relays every connection of a guard (Linux): it waits on epoll for any of their sockets, and reads,
/// checks and writes on the spot, as NetMQ's own I/O thread does. Under load one wait returns many ready sockets, so the
/// thread rarely sleeps; the thread-pool relay it replaces woke the runtime's socket thread and then a worker for every
/// read. Everything about a connection happens on this thread: nothing is locked, and a socket is closed only here.
/// </summary>
internal sealed partial class GuardLoop : IDisposable
{
    /// <summary>One read; what the other side does not take at once is kept per connection, exactly sized.</summary>
    private const int ReadSize = 64 * 1024;

    private const int MaxEvents = 128;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Link Link, bool Cut)> _commands = new();
    private readonly Dictionary<long, Link> _links = [];
    private readonly Queue<Link> _deadlines = new(); // in order of start: one handshake timeout per guard
    private readonly byte[] _buffer = new byte[ReadSize];
    private readonly Lock _stateLock = new();
    private long _nextId;
    private bool _stopped;

    public GuardLoop(string name)
    {
        _epoll = LinuxSockets.CreateEpoll();
        _wake = -1;
        try
        {
            _wake = LinuxSockets.CreateEventFd();
            LinuxSockets.Add(_epoll, _wake, LinuxSockets.In, WakeToken);
        }
        catch
        {
            if (_wake >= 0)
                LinuxSockets.Close(_wake);
            LinuxSockets.Close(_epoll);
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Whether this machine can run the loop (epoll is Linux's).</summary>
    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Stops the thread; connections still open are cut (their runs end with no violation).</summary>
    public void Dispose()
    {
        lock (_stateLock)
        {
            if (_stopped)
                return;
            _stopped = true;
        }
        LinuxSockets.Signal(_wake);
        if (Thread.CurrentThread != _thread)
            _thread.Join();
    }

    private void Post(Link link, bool cut)
    {
        lock (_stateLock)
        {
            if (!_stopped)
            {
                _commands.Enqueue((link, cut));
                LinuxSockets.Signal(_wake);
                return;
            }
        }
        link.Abandon(); // the loop is gone: nothing else will ever close these sockets
    }

    private void Run()
    {
        var events = new byte[MaxEvents * LinuxSockets.EventSize];
        try
        {
            while (!Volatile.Read(ref _stopped))
            {
                var count = LinuxSockets.Wait(_epoll, events, TimeoutMs());
                for (var i = 0; i < count; i++)
                {
                    var token = LinuxSockets.TokenAt(events, i);
                    if (token == WakeToken)
                    {
                        LinuxSockets.Drain(_wake);
                        RunCommands();
                    }
                    else if (_links.TryGetValue((long)(token >> 1), out var link))
                        link.Handle(LinuxSockets.EventsAt(events, i), fromServer: (token & 1) != 0);
                }
                ExpireHandshakes();
            }
        }
        finally
        {
            RunCommands();
            foreach (var link in _links.Values.ToList())
                link.End(null);
            LinuxSockets.Close(_wake);
            LinuxSockets.Close(_epoll);
        }
    }

    private void RunCommands()
    {
        while (_commands.TryDequeue(out var command))
        {
            if (command.Cut)
                command.Link.End(null);
            else if (Volatile.Read(ref _stopped))
                command.Link.Abandon();
            else
                Start(command.Link);
        }
    }

    private void Start(Link link)
    {
        link.Id = _nextId++;
        _links.Add(link.Id, link);
        _deadlines.Enqueue(link);
        link.Begin();
    }

    /// <summary>How long the wait may last: until the oldest connection still shaking hands runs out of time.</summary>
    private int TimeoutMs()
    {
        while (_deadlines.TryPeek(out var oldest) && (oldest.Ended || oldest.Handshaken))
            _deadlines.Dequeue();
        if (_deadlines.Count == 0)
            return -1;
        var left = _deadlines.Peek().Deadline - Environment.TickCount64;
        return (int)Math.Clamp(left, 0, int.MaxValue);
    }

    private void ExpireHandshakes()
    {
        var now = Environment.TickCount64;
        while (_deadlines.TryPeek(out var oldest) && (oldest.Ended || oldest.Handshaken || oldest.Deadline <= now))
        {
            _deadlines.Dequeue();
            if (!oldest.Ended && !oldest.Handshaken)
                oldest.End("no handshake within the deadline");
        }
    }
}
