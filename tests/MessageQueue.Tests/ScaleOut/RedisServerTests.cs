using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>The real Redis the scale-out tests run their bus on: one per test, killed and started again at will.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task AKilledServerAnswersNothingUntilStartedAgainOnTheSamePort()
    {
        await using var redis = await RedisServer.StartAsync();
        var configuration = redis.ConfigurationString;
        Assert.True(await redis.PingAsync());

        redis.Kill();
        Assert.False(await redis.PingAsync());
        await redis.StartAgainAsync();

        Assert.True(await redis.PingAsync());
        Assert.Equal(configuration, redis.ConfigurationString);
        Assert.Equal($"127.0.0.1:{redis.Port}", configuration);
    }

    [Fact]
    public async Task ServersStartedInParallelAreSeparate()
    {
        var servers = await Task.WhenAll(RedisServer.StartAsync(), RedisServer.StartAsync());
        await using var first = servers[0];
        await using var second = servers[1];

        first.Kill();

        Assert.NotEqual(first.Port, second.Port);
        Assert.False(await first.PingAsync());
        Assert.True(await second.PingAsync());
    }
}
