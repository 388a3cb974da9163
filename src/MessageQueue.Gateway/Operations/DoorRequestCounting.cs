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
/// Counts the hub door's invocations and logs them, as SignalR's own "Failed to invoke hub method" line (switched off in
/// <c>AddRealtime</c>) would: a <see cref="HubException"/> is a refusal (its code says what was wrong),
/// answered as before, counted and logged at Debug without a stack, so a client cannot fill the log by asking for what
/// it may not have. "unavailable" (the store could not take the change) is an error, logged as a warning without a
/// stack (the store logs its own failure). Any other exception is the gateway's own fault: an error with its stack.
/// </summary>
internal sealed partial class HubInvocationCounting(GatewayMetrics metrics, ILogger<HubInvocationCounting> logger) : IHubFilter
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
            Log.Refused(logger, invocationContext.HubMethodName, ex.Message);
            throw;
        }
        catch (HubException ex)
        {
            metrics.Request(Door.Hub, RequestOutcome.Error);
            Log.Unavailable(logger, invocationContext.HubMethodName, ex.Message);
            throw;
        }
        catch (Exception ex)
        {
            metrics.Request(Door.Hub, RequestOutcome.Error);
            Log.Failed(logger, invocationContext.HubMethodName, ex);
            throw;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5090, LogLevel.Debug, "Hub call {HubMethod} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string hubMethod, string reason);

        [LoggerMessage(5091, LogLevel.Warning, "Hub call {HubMethod} could not be served: {Reason}")]
        public static partial void Unavailable(ILogger logger, string hubMethod, string reason);

        [LoggerMessage(5092, LogLevel.Error, "Hub call {HubMethod} failed")]
        public static partial void Failed(ILogger logger, string hubMethod, Exception exception);
    }
}
