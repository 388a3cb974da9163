using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Dashboard;
using MessageQueue.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// Three gateways on one PostgreSQL store and one Redis behind a real HAProxy: updates posted through the load
/// balancer, whichever instance it hands them to, reach a real browser on the dashboard and a ZeroMQ SUB socket
/// attached to other instances.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class LoadBalancedDeliveryTests(BrowserFixture browser) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _database = new();
    private readonly List<GatewayFactory> _gateways = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    [Fact]
    public async Task UpdatesPostedThroughHaProxyReachABrowserAndASubSocketAttachedToOtherInstances()
    {
        GatewayFactory[] gateways = [Start("gw-0"), Start("gw-1"), Start("gw-2")];
        await using var proxy = await HaProxy.StartAsync([.. gateways.Select(g => g.HttpAddress)]);
        using var throughProxy = new HttpClient { BaseAddress = proxy.Address, Timeout = TimeSpan.FromSeconds(10) };
        var name = await ApiAssert.NewSubjectAsync(throughProxy, "first line");
        foreach (var gateway in gateways)
        {
            using var direct = gateway.CreateClient();
            await Poll.UntilAsync(async () => (await direct.GetAsync($"/api/subjects/{name}")).IsSuccessStatusCode, () => $"{gateway.HttpAddress} never heard of {name}");
        }

        // A SUB socket on gw-2 (joined by probes posted there), the dashboard opened on gw-1 itself, not through HAProxy.
        using var subscriber = new LegacySubscriber(gateways[2].Zmq.PublishEndpoint, name);
        using (var peer = new LegacyPeer(gateways[2].Zmq.ReplyEndpoint))
            subscriber.WaitUntilJoined(peer, name);
        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateways[1].HttpAddress, $"/?subject={name}");
        await page.ExpectSubjectShownAsync(name);
        Assert.Equal("gw-1", await page.Page.EvaluateAsync<string>("async () => (await (await fetch('/health/live')).json()).instance"));

        // Round robin hands one post to each instance; HAProxy names the one that served it (g0 is gw-0, ...).
        var texts = new List<string>();
        var servedBy = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var text = $"through HAProxy {i}";
            using var posted = await throughProxy.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text });
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
            texts.Add(text);
            servedBy.Add(posted.Headers.GetValues(HaProxy.ServedByHeader).Single());
        }
        Assert.Equal(["g0", "g1", "g2"], servedBy.Order(StringComparer.Ordinal));

        // Each reached both, once, in order: the one gw-0 took came from an instance neither client is attached to.
        foreach (var text in texts)
        {
            Assert.EndsWith("\n" + text, subscriber.Receive(), StringComparison.Ordinal);
            var item = page.FeedItem(text);
            await Expect(item).ToHaveCountAsync(1);
            await Expect(item.Locator(".door")).ToHaveTextAsync("rest");
        }
        Assert.False(subscriber.TryReceive(TimeSpan.Zero, out var extra), $"SUB got more: {extra}");
        Assert.Equal(texts.AsEnumerable().Reverse(), (await page.FeedTextsAsync()).Take(3)); // newest first
        await Expect(page.Content).ToContainTextAsync(string.Join('\n', texts));
        page.AssertNoScriptErrors();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var gateway in _gateways)
            gateway.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    private GatewayFactory Start(string name)
    {
        var settings = PostgreSqlServer.Shared.GatewaySettings(_database.Path);
        settings["Bus:Redis"] = _redis.ConfigurationString;
        settings["Instance:Name"] = name;
        var gateway = new GatewayFactory(null, settings);
        _gateways.Add(gateway);
        return gateway;
    }
}
