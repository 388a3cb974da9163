using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// SignalR closes every hub connection as soon as the host begins to stop; a call in flight would then lose its
/// answer though its update is stored. This filter counts the calls in flight, and at a stop refuses new ones
/// ("unavailable: ...") and holds the stop until those in flight have answered (at most Hub:DrainSeconds).
/// </summary>
internal sealed class HubCallDrain : IHubFilter
{
    private int _inFlight;
    private volatile bool _stopping;

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        // Counted before the check: a call the drain does not see waiting has seen the stop and is refused.
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (_stopping)
                throw new HubException("unavailable: The gateway is stopping; call again once it is back.");
            return await next(invocation);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>Refuses new calls and waits for those in flight; false when the time ran out first.</summary>
    public bool Drain(TimeSpan timeout)
    {
        _stopping = true;
        return SpinWait.SpinUntil(() => Volatile.Read(ref _inFlight) == 0, timeout);
    }
}
