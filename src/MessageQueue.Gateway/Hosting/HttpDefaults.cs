namespace MessageQueue.Gateway.Hosting;

public static class HttpDefaults
{
    public const string DefaultUrlsKey = "DefaultUrls";

    /// <summary>
    /// Listens on <c>DefaultUrls</c> from appsettings.json (http://127.0.0.1:5080) unless the usual settings say
    /// otherwise: <c>Urls</c>/<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>. A plain <c>Urls</c> key in
    /// appsettings.json would outrank the <c>ASPNETCORE_</c> variables, which are read before it.
    /// </summary>
    public static WebApplicationBuilder ListenOnDefaultUrlsUnlessConfigured(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrEmpty(config["urls"]) && string.IsNullOrEmpty(config["http_ports"]) && string.IsNullOrEmpty(config["https_ports"]))
            builder.WebHost.UseUrls(config[DefaultUrlsKey] ?? "http://127.0.0.1:5080");
        return builder;
    }
}
