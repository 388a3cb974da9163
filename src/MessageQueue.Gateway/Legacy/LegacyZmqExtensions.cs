using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Security;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Legacy;

public static class LegacyZmqExtensions
{
    /// <summary>The legacy ZeroMQ door: REQ/REP-compatible requests and the PUB socket.</summary>
    public static IHostApplicationBuilder AddLegacyZmqDoor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ZmqOptions>().BindConfiguration(ZmqOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.HardMaxRequestBytes >= o.MaxRequestBytes, "Zmq:HardMaxRequestBytes must be at least Zmq:MaxRequestBytes.")
            .Validate(o => !o.DisableGuardForMeasurement || (Exposure.IsLoopbackZmqEndpoint(o.ReplyEndpoint) && Exposure.IsLoopbackZmqEndpoint(o.PublishEndpoint)),
                "Zmq:DisableGuardForMeasurement is for measurement only and needs both Zmq endpoints on loopback: NetMQ without its guard dies on malformed frames.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ZmqOptions>, ZmqEndpointValidator>();
        builder.Services.AddSingleton<IValidateOptions<ZmqOptions>, ZmqSecurityValidator>();
        builder.Services.AddSingleton<ZmqEndpoints>();
        builder.Services.AddSingleton<ZmqOutbox>();
        builder.Services.AddSingleton<ZmqSubscriptions>();
        builder.Services.AddSingleton<LegacyRequestHandler>();
        builder.Services.AddSingleton<IChangeSink, ZmqPublishSink>();
        builder.Services.AddHostedService<ZmqDoor>();
        return builder;
    }
}
