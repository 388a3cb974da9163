using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// SignalR aborts every hub connection as soon as the host begins to stop, so an answer already handed to a
/// connection but not yet on the wire is lost though its update is stored. At a stop this filter refuses new calls
/// ("unavailable: ..."), waits for those in flight to return, then closes every connection the way a client's close
/// does: SignalR's read loop ends, its Close message queues behind the answers, and the transport sends all of it
/// and a close frame. The stop is held until those transports have finished (Hub:DrainSeconds in all, at least a
/// second for the close).
/// </summary>
internal sealed partial class HubCallDrain(ILogger<HubCallDrain> logger) : IHubFilter
{
    private static readonly TimeSpan MinimumCloseTime = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logger;
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new();
    private int _inFlight;
    private volatile bool _stopping;

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        _connections[context.Context.ConnectionId] = context.Context;
        try
        {
            await next(context);
        }
        catch
        {
            // SignalR closes a connection whose OnConnectedAsync failed without calling OnDisconnectedAsync.
            _connections.TryRemove(context.Context.ConnectionId, out _);
            throw;
        }
        // Arrived while draining: closed at once (after the drain's snapshot, so SignalR's abort may cut it; it owes nothing).
        if (_stopping)
            EndReading(context.Context);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception);
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        // Counted before the check: a call the drain does not see waiting has seen the stop and is refused.
        Interlocked.Increment(ref _inFlight);
        if (_stopping)
        {
            Interlocked.Decrement(ref _inFlight);
            return ValueTask.FromException<object?>(new HubException("unavailable: The gateway is stopping; call again once it is back."));
        }
        var answer = new TaskCompletionSource<object?>();
        _ = CallThenCountAsync(invocation, next, answer);
        return new ValueTask<object?>(answer.Task);
    }

    /// <summary>The count drops only once SignalR has taken the answer: completing <paramref name="answer"/> runs the
    /// dispatcher's continuation inline, up to its write of the answer, so the drain cannot close the connection
    /// between the two. (A call that completes synchronously, a refusal or a read, changed nothing.)</summary>
    private async Task CallThenCountAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next, TaskCompletionSource<object?> answer)
    {
        try
        {
            answer.SetResult(await next(invocation));
        }
        catch (Exception ex)
        {
            answer.SetException(ex);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Refuses new calls, waits for those in flight (at most <paramref name="timeout"/>), then closes every
    /// connection cleanly and waits for them to close (what is left of the time, at least a second).</summary>
    public void Drain(TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        _stopping = true;
        // A full fence: the write above must not pass the reads below (a call that missed the stop is then counted).
        Interlocked.MemoryBarrier();
        if (!SpinWait.SpinUntil(() => Volatile.Read(ref _inFlight) == 0, timeout))
            Log.CallsStillRunning(_logger, Volatile.Read(ref _inFlight), timeout.TotalSeconds);

        // Closed cleanly even if a call is stuck: the answers already written on every other connection still go out.
        var closed = _connections.Values.Select(ClosedToken).ToList();
        foreach (var connection in _connections.Values)
            EndReading(connection);
        var left = timeout - elapsed.Elapsed;
        if (!SpinWait.SpinUntil(() => closed.TrueForAll(c => c.IsCancellationRequested), left > MinimumCloseTime ? left : MinimumCloseTime))
            Log.ConnectionsStillOpen(_logger, closed.Count(c => !c.IsCancellationRequested));
    }

    /// <summary>What a client's close does: SignalR's read loop ends, then it sends Close behind the answers
    /// already written and completes the connection. (Aborting instead would drop an answer not yet written.)</summary>
    private static void EndReading(HubCallerContext connection) =>
        connection.Features.Get<IConnectionTransportFeature>()?.Transport.Input.CancelPendingRead();

    /// <summary>Cancelled once the transport has sent everything and closed (after the client's close frame, or
    /// SignalR's close timeout for a client that never sends one).</summary>
    private static CancellationToken ClosedToken(HubCallerContext connection) =>
        connection.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? new CancellationToken(canceled: true);

    private static partial class Log
    {
        [LoggerMessage(5020, LogLevel.Warning, "Stopping: {Calls} hub calls still running after {Seconds} s; their answers may be lost")]
        public static partial void CallsStillRunning(ILogger logger, int calls, double seconds);

        [LoggerMessage(5021, LogLevel.Warning, "Stopping: {Connections} hub connections had not closed in time and are cut")]
        public static partial void ConnectionsStillOpen(ILogger logger, int connections);
    }
}
