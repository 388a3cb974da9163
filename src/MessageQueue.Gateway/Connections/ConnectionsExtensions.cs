using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Connections;

public static class ConnectionsExtensions
{
    /// <summary>
    /// The connection budget: the open-files limit raised and shared between the doors, the HTTP door's caps and
    /// idle timeouts on Kestrel. The legacy door's guards take their gate from the same <see cref="ConnectionBudget"/>.
    /// </summary>
    public static IHostApplicationBuilder AddConnectionBudget(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HttpConnectionOptions>().BindConfiguration(HttpConnectionOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ConnectionBudget>();
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, HttpConnectionLimits>();
        return builder;
    }
}
