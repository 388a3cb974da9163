using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Operations;

/// <summary>Counts the REST door's requests (under /api) by their final status: below 400 ok, 4xx refused, 5xx error.</summary>
internal sealed class RestRequestCounting(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch
        {
            metrics.Request(Door.Rest, RequestOutcome.Error);
            throw;
        }
        metrics.Request(Door.Rest, context.Response.StatusCode switch
        {
            < 400 => RequestOutcome.Ok,
            < 500 => RequestOutcome.Refused,
            _ => RequestOutcome.Error,
        });
    }
}

/// <summary>
/// Counts the hub door's invocations: a <see cref="HubException"/> is a refusal (its code says what was wrong), except
/// "unavailable" (the store could not take the change), which is an error like any other exception.
/// </summary>
internal sealed class HubInvocationCounting(GatewayMetrics metrics) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            var result = await next(invocationContext);
            metrics.Request(Door.Hub, RequestOutcome.Ok);
            return result;
        }
        catch (HubException ex) when (!ex.Message.StartsWith("unavailable", StringComparison.Ordinal))
        {
            metrics.Request(Door.Hub, RequestOutcome.Refused);
            throw;
        }
        catch
        {
            metrics.Request(Door.Hub, RequestOutcome.Error);
            throw;
        }
    }
}
