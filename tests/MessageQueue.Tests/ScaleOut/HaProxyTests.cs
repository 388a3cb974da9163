using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>The load balancer the scale-out tests put in front of several instances.</summary>
public sealed class HaProxyTests
{
    [Fact]
    public async Task PlainRequestsAreSpreadOverEveryBackend()
    {
        await using var backends = await Backends.StartAsync(2);
        await using var proxy = await HaProxy.StartAsync(backends.Addresses);
        using var client = new HttpClient { BaseAddress = proxy.Address };

        var servedBy = await ServedByAsync(client, "/api/subjects", 6);

        // Each answer really came from the backend the header names.
        Assert.All(servedBy, s => Assert.Equal(s.Header, s.Body));
        Assert.Equal(3, servedBy.Count(s => s.Header == "g0"));
        Assert.Equal(3, servedBy.Count(s => s.Header == "g1"));
    }

    [Fact]
    public async Task AHubClientWithItsCookieStaysOnOneBackend()
    {
        await using var backends = await Backends.StartAsync(2);
        await using var proxy = await HaProxy.StartAsync(backends.Addresses);
        var cookies = new CookieContainer();
        using var sticky = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = proxy.Address };
        using var cookieless = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = proxy.Address };

        var stuck = await ServedByAsync(sticky, "/hubs/subjects/negotiate?negotiateVersion=1", 4);
        var spread = await ServedByAsync(cookieless, "/hubs/subjects/negotiate?negotiateVersion=1", 4);

        Assert.Single(stuck.Select(s => s.Header).Distinct());
        Assert.Equal(stuck[0].Header, cookies.GetCookies(proxy.Address)[HaProxy.StickyCookie]?.Value);
        Assert.Equal(2, spread.Select(s => s.Header).Distinct().Count());
    }

    [Fact]
    public async Task AStickyClientWhoseBackendIsGoneIsMovedAtOnce()
    {
        await using var backends = await Backends.StartAsync(2);
        await using var proxy = await HaProxy.StartAsync(backends.Addresses);
        var cookies = new CookieContainer();
        using var sticky = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = proxy.Address };
        var first = (await ServedByAsync(sticky, "/hubs/subjects/negotiate?negotiateVersion=1", 1))[0].Header!;

        // Before any health check can have noticed: the refused connection is retried on the other backend.
        await backends.StopAsync(first == "g0" ? 0 : 1);
        var moved = await ServedByAsync(sticky, "/hubs/subjects/negotiate?negotiateVersion=1", 2);

        Assert.All(moved, s => Assert.NotEqual(first, s.Header));
        Assert.Equal(moved[0].Header, cookies.GetCookies(proxy.Address)[HaProxy.StickyCookie]?.Value);
    }

    [Fact]
    public async Task ABackendThatFailsItsHealthCheckLeavesTheRotation()
    {
        await using var backends = await Backends.StartAsync(2);
        await using var proxy = await HaProxy.StartAsync(backends.Addresses);
        using var client = new HttpClient { BaseAddress = proxy.Address };

        await backends.StopAsync(1);
        Dictionary<string, string> states = [];
        await Poll.UntilAsync(async () => (states = await proxy.ServerStatesAsync())["g1"].StartsWith("DOWN", StringComparison.Ordinal),
            () => $"g1 is still {states["g1"]}", TimeSpan.FromSeconds(5));

        Assert.All(await ServedByAsync(client, "/api/subjects", 4), s => Assert.Equal("g0", s.Header));
        Assert.Equal("UP", states["g0"]);
    }

    [Fact]
    public async Task SignalRConnectionsThroughTheProxyNegotiateAndConnectOnTheSameGateway()
    {
        using var gateways = new GatewayPair();
        await using var proxy = await HaProxy.StartAsync([gateways.First.HttpAddress, gateways.Second.HttpAddress]);

        var instances = new List<string?>();
        for (var i = 0; i < 4; i++)
        {
            // WebSockets only: a client falling back to another transport could land on the right instance by chance.
            var cookies = new CookieContainer();
            await using var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(proxy.Address, "/hubs/subjects"), o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.Cookies = cookies;
                })
                .Build();
            await connection.StartAsync().WaitAsync(HubPeer.Timeout);
            var overview = await connection.InvokeAsync<JsonElement>("WatchOverview").WaitAsync(HubPeer.Timeout);
            Assert.Equal(JsonValueKind.Object, overview.ValueKind);
            instances.Add(cookies.GetCookies(proxy.Address)[HaProxy.StickyCookie]?.Value);
        }

        // Negotiates without a cookie take turns: both gateways served a connection of their own.
        Assert.Equal(["g0", "g1"], instances.Distinct().Order());
    }

    [Fact]
    public async Task AnEventStreamThroughTheProxyDeliversEachUpdateAsItIsPosted()
    {
        using var gateway = new GatewayFactory();
        await using var proxy = await HaProxy.StartAsync([gateway.HttpAddress]);
        using var direct = gateway.CreateClient();
        using var proxied = new HttpClient { BaseAddress = proxy.Address, Timeout = Timeout.InfiniteTimeSpan };
        var name = ApiAssert.NewSubjectName();
        await ApiAssert.Json(await direct.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);
        // Opened in time: a proxy that waits for the body before passing the headers on never opens an endless stream.
        await using var stream = await EventStreamClient.OpenAsync(proxied, $"/api/subjects/{name}/events").WaitAsync(EventStreamClient.Timeout);

        // One at a time: each event must come through while the stream stays open, not when a buffer fills or it ends.
        for (var i = 1; i <= 3; i++)
        {
            await ApiAssert.Json(await direct.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"update {i}" }), HttpStatusCode.Created);
            var received = await stream.NextAsync();
            Assert.Equal(i, received.Sequence);
            Assert.Contains($"update {i}", received.Data, StringComparison.Ordinal);
        }
    }

    private static async Task<List<(string? Header, string Body)>> ServedByAsync(HttpClient client, string path, int count)
    {
        var served = new List<(string?, string)>();
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsync(path, null);
            response.EnsureSuccessStatusCode();
            served.Add((response.Headers.TryGetValues(HaProxy.ServedByHeader, out var values) ? values.Single() : null, await response.Content.ReadAsStringAsync()));
        }
        return served;
    }

    private sealed class GatewayPair : IDisposable
    {
        public GatewayFactory First { get; } = new();
        public GatewayFactory Second { get; } = new();

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }
    }

    /// <summary>Tiny Kestrel servers that answer every request with their name (g0, g1, ...).</summary>
    private sealed class Backends : IAsyncDisposable
    {
        private readonly WebApplication[] _apps;

        private Backends(WebApplication[] apps) => _apps = apps;

        public Uri[] Addresses => [.. _apps.Select(a => new Uri(a.Urls.Single()))];

        public static async Task<Backends> StartAsync(int count)
        {
            var apps = Enumerable.Range(0, count).Select(i =>
            {
                var builder = WebApplication.CreateSlimBuilder();
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                var app = builder.Build();
                app.Map("/{**path}", () => Results.Text($"g{i}"));
                return app;
            }).ToArray();
            await Task.WhenAll(apps.Select(a => a.StartAsync()));
            return new Backends(apps);
        }

        public Task StopAsync(int index) => _apps[index].StopAsync();

        public async ValueTask DisposeAsync()
        {
            foreach (var app in _apps)
                await app.DisposeAsync();
        }
    }
}
