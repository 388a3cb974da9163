using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MessageQueue.Gateway.Legacy.Guard;

/// <summary>
/// The few Linux calls the guard's own event loop makes: epoll, an eventfd to wake it, and recv/send straight on a
/// socket's descriptor. Going around <see cref="Socket"/>'s async methods is the point: those register the descriptor
/// with the runtime's own epoll thread, which hands every completion to a thread-pool worker (two thread hops per
/// proxied read), where this loop reads, checks and writes on the thread that saw the event.
/// </summary>
internal static class LinuxSockets
{
    public const uint In = 0x001, Out = 0x004, Error = 0x008, HangUp = 0x010;

    private const int CtlAdd = 1, CtlDelete = 2, CtlModify = 3;
    private const int CloseOnExec = 0x80000, NonBlocking = 0x800;
    private const int Again = 11, Interrupted = 4;
    private const int NoSignal = 0x4000; // MSG_NOSIGNAL: a peer gone is an error code, not a SIGPIPE
    private const int ShutWrite = 1;

    // struct epoll_event is packed on x86 and x64 (12 bytes), naturally aligned elsewhere (16 bytes).
    private static readonly bool Packed = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
    public static readonly int EventSize = Packed ? 12 : 16;
    private static readonly int DataOffset = Packed ? 4 : 8;

    public static int CreateEpoll() => Check(EpollCreate1(CloseOnExec), "epoll_create1");

    public static int CreateEventFd() => Check(EventFd(0, CloseOnExec | NonBlocking), "eventfd");

    public static void Add(int epoll, int fd, uint events, ulong token) => Control(epoll, CtlAdd, fd, events, token);

    public static void Modify(int epoll, int fd, uint events, ulong token) => Control(epoll, CtlModify, fd, events, token);

    /// <summary>Takes <paramref name="fd"/> out of the set before it is closed; a descriptor not in it is no fault.</summary>
    public static void Remove(int epoll, int fd)
    {
        Span<byte> e = stackalloc byte[16];
        e.Clear();
        _ = EpollCtl(epoll, CtlDelete, fd, ref e[0]);
    }

    /// <summary>Waits for events into <paramref name="events"/>; their count (0 on a timeout or an interrupted wait).</summary>
    public static int Wait(int epoll, byte[] events, int timeoutMs)
    {
        var count = EpollWait(epoll, ref events[0], events.Length / EventSize, timeoutMs);
        if (count >= 0)
            return count;
        return Marshal.GetLastPInvokeError() == Interrupted ? 0 : Check(count, "epoll_wait");
    }

    public static uint EventsAt(byte[] events, int index) => BitConverter.ToUInt32(events, index * EventSize);

    public static ulong TokenAt(byte[] events, int index) => BitConverter.ToUInt64(events, index * EventSize + DataOffset);

    public static void Signal(int eventFd)
    {
        var one = 1UL;
        _ = Write(eventFd, ref one, sizeof(ulong)); // the counter only saturates, never fails usefully
    }

    public static void Drain(int eventFd) => _ = Read(eventFd, out _, sizeof(ulong));

    public static void Close(int fd) => _ = CloseFd(fd);

    /// <summary>Bytes read (0 at the end of the stream), -1 when nothing is there now; a <see cref="SocketException"/> on a fault.</summary>
    public static int Receive(int fd, Span<byte> buffer)
    {
        while (true)
        {
            var read = (int)Recv(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, 0);
            if (read >= 0)
                return read;
            var error = Marshal.GetLastPInvokeError();
            if (error == Again)
                return -1;
            if (error != Interrupted)
                throw Fault(error);
        }
    }

    /// <summary>Bytes the kernel took (0 when its buffer is full); a <see cref="SocketException"/> on a fault.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> data)
    {
        while (true)
        {
            var sent = (int)SendTo(fd, ref MemoryMarshal.GetReference(data), data.Length, NoSignal);
            if (sent >= 0)
                return sent;
            var error = Marshal.GetLastPInvokeError();
            if (error == Again)
                return 0;
            if (error != Interrupted)
                throw Fault(error);
        }
    }

    /// <summary>Sends a FIN: the other side reads the end of the stream. A socket already reset is left as it is.</summary>
    public static void ShutdownSend(int fd) => _ = Shutdown(fd, ShutWrite);

    private static void Control(int epoll, int op, int fd, uint events, ulong token)
    {
        Span<byte> e = stackalloc byte[16];
        e.Clear();
        BitConverter.TryWriteBytes(e, events);
        BitConverter.TryWriteBytes(e[DataOffset..], token);
        Check(EpollCtl(epoll, op, fd, ref e[0]), "epoll_ctl");
    }

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new InvalidOperationException($"{call} failed with errno {Marshal.GetLastPInvokeError()}.");

    // SocketException(int) takes a SocketError (Windows' numbering), not an errno: the errnos a relayed socket meets
    // are named here, so logs and catches see a reset as a reset; the rest keep their errno in the message.
    private static SocketException Fault(int errno) => errno switch
    {
        104 => new((int)SocketError.ConnectionReset), // ECONNRESET
        32 => new((int)SocketError.Shutdown), // EPIPE, as .NET names it
        110 => new((int)SocketError.TimedOut), // ETIMEDOUT (keep-alive gave up)
        111 => new((int)SocketError.ConnectionRefused), // ECONNREFUSED
        107 => new((int)SocketError.NotConnected), // ENOTCONN
        113 => new((int)SocketError.HostUnreachable), // EHOSTUNREACH
        101 => new((int)SocketError.NetworkUnreachable), // ENETUNREACH
        _ => new((int)SocketError.SocketError, $"errno {errno}"),
    };

    // DllImport rather than LibraryImport: every argument is blittable, and LibraryImport would need unsafe code allowed.
    [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static extern int EpollCreate1(int flags);

    [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static extern int EpollCtl(int epoll, int op, int fd, ref byte @event);

    [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static extern int EpollWait(int epoll, ref byte events, int maxEvents, int timeout);

    [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static extern int EventFd(uint initial, int flags);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, ref ulong value, nint count);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, out ulong value, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseFd(int fd);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static extern nint Recv(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    private static extern nint SendTo(int fd, ref byte buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static extern int Shutdown(int fd, int how);
}
