namespace MessageQueue.Gateway.Hosting;

public static class DashboardFiles
{
    /// <summary>
    /// Serves wwwroot (the dashboard at /). Browsers revalidate each file (ETag) before using a cached copy, so
    /// after an upgrade no page runs yesterday's modules against today's hub.
    /// </summary>
    public static WebApplication UseDashboardFiles(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
