using MessageQueue.Gateway.Operations;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Ingest;

public static class IngestExtensions
{
    /// <summary>ZeroMQ ingest: PUB and PUSH services feeding updates, through the application service like any door.</summary>
    public static IHostApplicationBuilder AddIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        builder.Services.AddSingleton<IngestLeases>();
        builder.Services.AddSingleton<IngestService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestService>());
        builder.Services.AddHealthChecks().AddCheck<IngestHealthCheck>("ingest", tags: [OperationsExtensions.ReadyTag]);
        return builder;
    }
}
