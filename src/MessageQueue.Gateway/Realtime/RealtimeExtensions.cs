using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Security;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Realtime;

public static class RealtimeExtensions
{
    /// <summary>The SignalR door: the hub, its fan-out sink and the operations overview.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSignalR(hub =>
        {
            // In this order: every call is counted (refusals too, as on REST), held by a stop, limited, authorized.
            hub.AddFilter<HubInvocationCounting>();
            hub.AddFilter<HubCallDrain>();
            hub.AddFilter<HubRateLimit>();
            hub.AddFilter<HubAuthorization>();
        }).AddJsonProtocol(o => ApiJson.Configure(o.PayloadSerializerOptions));
        // SignalR logs every exception of a hub method at Error with its stack, refusals (HubException) included: 2.6 KB a
        // refused call. HubInvocationCounting logs each call instead (refusals at Debug, faults with their stack); this
        // category's only line above Debug is that one, so only SignalR's Debug and Trace lines go with it (and the Error of an argument that
        // cannot be bound, a client's mistake too).
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical);
        builder.Services.AddOptions<HubOptions>().Configure<IOptions<RealtimeOptions>>((hub, realtime) =>
            hub.MaximumReceiveMessageSize = realtime.Value.MaxMessageBytes);

        builder.Services.AddSingleton<HubCallDrain>();
        builder.Services.AddSingleton<BrowserPresence>();
        builder.Services.AddSingleton<IChangeSink, HubUpdateSink>();
        builder.Services.AddSingleton<OverviewSource>();
        builder.Services.AddHostedService<OverviewBroadcaster>();
        return builder;
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        app.MapHub<SubjectsHub>("/hubs/subjects", o =>
        {
            o.TransportSendTimeout = TimeSpan.FromSeconds(options.SendTimeoutSeconds);
            o.ApplicationMaxBufferSize = options.ConnectionSendBufferBytes;
            o.TransportMaxBufferSize = options.ConnectionReceiveBufferBytes;
        });

        // Stopping callbacks run last registered first: registered once started, this one runs before SignalR's own,
        // which closes every connection.
        var drain = app.Services.GetRequiredService<HubCallDrain>();
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Lifetime.ApplicationStopping.Register(() => drain.Drain(TimeSpan.FromSeconds(options.DrainSeconds))));
        return app;
    }
}
