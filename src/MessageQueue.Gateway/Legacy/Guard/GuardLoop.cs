using System.Collections.Concurrent;
using System.Net;

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
    private const int MaxFailuresInARow = 3;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<(Link Link, bool Cut)> _commands = new();
    private readonly Dictionary<long, Link> _links = [];
    private readonly Queue<Link> _deadlines = new(); // in order of start: one handshake timeout per guard
    private readonly byte[] _buffer = new byte[ReadSize];
    private readonly Lock _stateLock = new();
    private readonly ILogger _logger;
    private long _nextId;
    private bool _stopped;
    private bool _closeOnExit; // disposed on its own thread: the loop closes its descriptors as it leaves

    public GuardLoop(string name, ILogger logger)
    {
        _logger = logger;
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
            // Signalled under the lock: past it, nothing writes to the eventfd, so it can be closed below.
            LinuxSockets.Signal(_wake);
            if (Thread.CurrentThread == _thread)
            {
                _closeOnExit = true; // the loop is still on the stack: its descriptors are closed as it leaves
                return;
            }
        }
        _thread.Join();
        CloseDescriptors();
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
        // The loop is stopping: once its thread has gone, a link it started was ended there, and one it never saw
        // is ended here (only the loop closes a socket it may still be watching).
        if (Thread.CurrentThread != _thread)
            _thread.Join();
        link.Abandon();
    }

    private void Run()
    {
        var events = new byte[MaxEvents * LinuxSockets.EventSize];
        var failures = 0;
        while (!Volatile.Read(ref _stopped))
        {
            try
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
                failures = 0;
            }
            catch (Exception ex) when (!IsFatal(ex))
            {
                // A fault outside any one connection (Handle and Begin keep theirs): the connections open now are
                // cut, and the loop goes on for the next ones rather than taking the process down. One that comes
                // back at once (epoll itself broken) stops it instead of spinning: later connections are then cut
                // as they arrive.
                Log.LoopFailed(_logger, _thread.Name, _links.Count, ex);
                EndAll();
                if (++failures >= MaxFailuresInARow)
                    StopFromLoop();
            }
        }
        RunCommands();
        EndAll();
        if (Volatile.Read(ref _closeOnExit))
            CloseDescriptors();
    }

    private void StopFromLoop()
    {
        lock (_stateLock)
        {
            _stopped = true;
            _closeOnExit = true; // a later Dispose finds it stopped and returns at once
        }
    }

    private void EndAll()
    {
        foreach (var link in _links.Values.ToList())
            link.EndQuietly();
        _links.Clear();
        _deadlines.Clear();
    }

    private void CloseDescriptors()
    {
        LinuxSockets.Close(_wake);
        LinuxSockets.Close(_epoll);
    }

    /// <summary>What no catch should swallow: the process cannot go on after them.</summary>
    internal static bool IsFatal(Exception ex) => ex is OutOfMemoryException or StackOverflowException or AccessViolationException;

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
        if (link.Ended)
            return; // cut before it started: nothing to watch, and it must not stay in the table
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

    private static partial class Log
    {
        [LoggerMessage(3014, LogLevel.Error, "The ZeroMQ guard's relay thread {Thread} failed unexpectedly; its {Count} connections were cut (after three failures in a row it stops, and the guard's connections are cut as they arrive)")]
        public static partial void LoopFailed(ILogger logger, string? thread, int count, Exception exception);

        [LoggerMessage(3015, LogLevel.Error, "A ZeroMQ connection from {Peer} through the guard failed unexpectedly and was cut")]
        public static partial void LinkFailed(ILogger logger, EndPoint? peer, Exception exception);
    }
}
