namespace MessageQueue.Gateway.ScaleOut;

public static class ScaleOutExtensions
{
    /// <summary>Several instances on one PostgreSQL store: the relay between them (Redis) and the reconciliation with the store.</summary>
    public static IHostApplicationBuilder AddScaleOut(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BusOptions>().BindConfiguration(BusOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<InstanceOptions>().BindConfiguration(InstanceOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton<ThisInstance>();
        builder.Services.AddSingleton<ClusterPresence>();
        builder.Services.AddHostedService<InstanceHeartbeat>();

        // After the store writer, so it stops before the writer drains.
        builder.Services.AddSingleton<RedisChangeBus>();
        builder.Services.AddSingleton<IChangeBus>(sp => sp.GetRequiredService<RedisChangeBus>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisChangeBus>());
        builder.Services.AddHostedService<RelayReceiver>();
        builder.Services.AddHostedService<StoreReconciler>();
        return builder;
    }
}
