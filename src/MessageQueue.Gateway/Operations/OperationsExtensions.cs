using MessageQueue.Gateway.ScaleOut;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MessageQueue.Gateway.Operations;

public static class OperationsExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>Health checks, the gateway's metrics (OpenTelemetry, exported for Prometheus) and the doors' request counts.</summary>
    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OperationsOptions>().BindConfiguration(OperationsOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddSingleton<BacklogMetrics>();
        builder.Services.AddSingleton<DoorTelemetry>();
        builder.Services.AddSingleton<UpdateRate>();
        builder.Services.AddSingleton<OutboxCounts>();
        builder.Services.AddSingleton<GatewayGauges>();
        builder.Services.AddSingleton<HubInvocationCounting>();

        builder.Services.AddOpenTelemetry()
            // Prometheus shows it as target_info{service_instance_id="..."}: which instance a scrape came from.
            .ConfigureResource(resource => resource.AddDetector(services => new InstanceResource(services.GetRequiredService<ThisInstance>())))
            .WithMetrics(metrics => metrics
            .AddMeter(GatewayMetrics.MeterName)
            // Built into .NET: HTTP requests and connections, SignalR connections, GC, memory, CPU and the thread pool.
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections", "System.Runtime")
            .AddPrometheusExporter());

        builder.Services.AddSingleton<SmtpHealthCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<ZmqHealthCheck>("zmq", tags: [ReadyTag])
            .AddCheck<FanoutHealthCheck>("fanout", tags: [ReadyTag])
            .AddCheck<SmtpHealthCheck>("smtp", tags: [ReadyTag])
            .AddCheck<BusHealthCheck>("bus", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>Counts the REST door's requests by final status; placed first so refusals made by later middleware count too.</summary>
    public static WebApplication UseRequestCounting(this WebApplication app)
    {
        app.UseMiddleware<RestRequestCounting>();
        return app;
    }

    /// <summary>
    /// /health/live (the process answers; no dependency is checked), /health/ready (store, ZeroMQ sockets, SMTP when
    /// configured; 503 when one fails) and /metrics (Prometheus text). All anonymous: a container's HEALTHCHECK and a
    /// scraper hold no API key.
    /// </summary>
    public static WebApplication MapOperations(this WebApplication app)
    {
        app.Services.GetRequiredService<GatewayGauges>(); // the gauges exist from start, not from first use
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponse.WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous().DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous().DisableRateLimiting(); // probes and scrapers are not clients
        return app;
    }
}

/// <summary>The gateway and this instance's name as OpenTelemetry's resource: every exported metric carries them.</summary>
internal sealed class InstanceResource(ThisInstance instance) : IResourceDetector
{
    public Resource Detect() => new([new("service.name", "messagequeue"), new("service.instance.id", instance.Name)]);
}
