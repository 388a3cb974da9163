using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Security;

/// <summary>
/// One token bucket per client, shared by HTTP requests and hub calls, so a client cannot double its share by
/// switching doors. Refusals are 429 with Retry-After over HTTP, and "rate-limited: ..." errors on the hub.
/// </summary>
internal sealed class ClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _buckets;

    public ClientRateLimiter(IOptions<RateLimitOptions> options)
    {
        var limits = options.Value;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.BurstRequests,
            TokensPerPeriod = limits.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = false, // the partitioned limiter refills every bucket from one timer
        };
        // Made once: a partition is looked up per request, and its factory runs only for a client not seen lately.
        Func<string, RateLimiter> newBucket = _ => new TokenBucketRateLimiter(bucket);
        // Switched off, every client shares one partition, so the table of clients cannot grow.
        _buckets = PartitionedRateLimiter.Create<string, string>(client => limits.Enabled
            ? RateLimitPartition.Get(client, newBucket)
            : RateLimitPartition.GetNoLimiter(""));
        ForHttp = _buckets.WithTranslatedKey<HttpContext>(ClientOf, leaveOpen: true);
    }

    /// <summary>The same buckets, for ASP.NET Core's rate limiting middleware.</summary>
    public PartitionedRateLimiter<HttpContext> ForHttp { get; }

    public RateLimitLease Acquire(HttpContext context) => _buckets.AttemptAcquire(ClientOf(context));

    /// <summary>
    /// The key's entry when the request carries a valid key; else the peer's address (see the README on proxies).
    /// An IPv6 peer counts by its /64, the block one host is usually given, so rotating addresses gains nothing.
    /// </summary>
    private static string ClientOf(HttpContext context)
    {
        if (context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } key)
            return key;
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? Convert.ToHexString(address.GetAddressBytes(), 0, 8) + "::/64"
            : address.ToString();
    }

    /// <summary>Whole seconds to wait, at least one.</summary>
    public static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;

    public static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = RetryAfterSeconds(rejected.Lease);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"This client sent more requests than RateLimiting allows; retry after {seconds} s.",
            },
        });
    }

    public void Dispose()
    {
        ForHttp.Dispose();
        _buckets.Dispose();
    }
}

/// <summary>Takes one token from the caller's bucket per hub call.</summary>
internal sealed class HubRateLimit(ClientRateLimiter limiter) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (invocation.Context.GetHttpContext() is { } context)
        {
            using var lease = limiter.Acquire(context);
            if (!lease.IsAcquired)
                throw new HubException($"rate-limited: Too many calls from this client; retry after {ClientRateLimiter.RetryAfterSeconds(lease)} s.");
        }
        return await next(invocation);
    }
}
