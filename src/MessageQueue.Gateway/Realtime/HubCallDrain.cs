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
/// and a close frame. The stop is held (at most Hub:DrainSeconds) until those transports have finished.
/// </summary>
internal sealed class HubCallDrain : IHubFilter
{
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

    /// <summary>Refuses new calls, waits for those in flight, closes every connection and waits for them to close;
    /// false when the time ran out first.</summary>
    public bool Drain(TimeSpan timeout)
    {
        var elapsed = Stopwatch.StartNew();
        _stopping = true;
        if (!SpinWait.SpinUntil(() => Volatile.Read(ref _inFlight) == 0, timeout))
            return false;

        var connections = _connections.Values.ToList();
        using var open = new CountdownEvent(connections.Count + 1);
        var registrations = connections.Select(c => WhenClosed(c, () => open.Signal())).ToList();
        foreach (var connection in connections)
            EndReading(connection);
        open.Signal();
        try
        {
            var left = timeout - elapsed.Elapsed;
            return open.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        finally
        {
            foreach (var registration in registrations)
                registration.Dispose();
        }
    }

    /// <summary>What a client's close does: SignalR's read loop ends, then it sends Close behind the answers
    /// already written and completes the connection. (Aborting instead would drop an answer not yet written.)</summary>
    private static void EndReading(HubCallerContext connection) =>
        connection.Features.Get<IConnectionTransportFeature>()?.Transport.Input.CancelPendingRead();

    /// <summary>Runs <paramref name="closed"/> once the transport has sent everything and closed (at once if it has).</summary>
    private static CancellationTokenRegistration WhenClosed(HubCallerContext connection, Action closed)
    {
        var token = connection.Features.Get<IConnectionLifetimeFeature>()?.ConnectionClosed ?? CancellationToken.None;
        if (token.CanBeCanceled)
            return token.Register(closed);
        closed();
        return default;
    }
}
