namespace MessageQueue.Gateway.Fanout;

public static class FanoutExtensions
{
    /// <summary>The in-process fan-out. Doors add their <see cref="IChangeSink"/>s.</summary>
    public static IHostApplicationBuilder AddFanout(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FanoutOptions>().BindConfiguration(FanoutOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StoredUpdates>();
        builder.Services.AddSingleton<LocalChangeFanout>();
        builder.Services.AddSingleton<IChangeFanout>(sp => sp.GetRequiredService<LocalChangeFanout>());
        // Registered before the store writer so it stops after it: the writer's last commits still fan out.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalChangeFanout>());
        return builder;
    }
}
