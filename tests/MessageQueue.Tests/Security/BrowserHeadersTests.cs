using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MessageQueue.Tests.Security;

/// <summary>What browsers are told: security headers on the dashboard, revalidated files, CORS closed unless configured.</summary>
public sealed class BrowserHeadersTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task TheDashboardIsServedWithAStrictPolicyAndRevalidated()
    {
        foreach (var path in new[] { "/", "/js/main.js", "/css/dashboard.css" })
        {
            var response = await _http.GetAsync(path);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var policy = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
            Assert.True(response.Headers.CacheControl?.NoCache, $"{path} is not revalidated.");
        }
    }

    [Fact]
    public async Task ApiAnswersCarryTheHeadersAndSwaggerUiKeepsItsInlineScript()
    {
        var api = await _http.GetAsync("/api/subjects");
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());

        var swagger = await _http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
        Assert.False(swagger.Headers.Contains("Content-Security-Policy"));
        Assert.Equal("DENY", swagger.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task CorsIsClosedByDefault()
    {
        var preflight = await _http.SendAsync(Preflight("https://elsewhere.example"));
        var read = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/subjects") { Headers = { { "Origin", "https://elsewhere.example" } } });

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(read.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task ConfiguredOriginsMaySendTheKeyAndOthersStayOut()
    {
        using var open = new GatewayFactory(null, new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://status.example.com" });
        using var http = open.CreateClient();

        var allowed = await http.SendAsync(Preflight("https://status.example.com"));
        var other = await http.SendAsync(Preflight("https://elsewhere.example"));

        Assert.Equal("https://status.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-api-key", string.Join(',', allowed.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task APageOfAnotherSiteCannotPostNorOpenTheHubEvenWhenTheGatewayIsOpen()
    {
        var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/subjects/React/updates")
        {
            Content = JsonContent.Create(new { text = "from another site" }),
            Headers = { { "Origin", "https://elsewhere.example" } },
        };
        await ApiAssert.Problem(await _http.SendAsync(foreign), HttpStatusCode.Forbidden);

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "https://elsewhere.example");
        var hub = new UriBuilder(new Uri(gateway.HttpAddress, "/hubs/subjects")) { Scheme = "ws" }.Uri;
        var refused = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(hub, CancellationToken.None));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);

        var sameSite = new HttpRequestMessage(HttpMethod.Post, "/api/subjects/React/updates")
        {
            Content = JsonContent.Create(new { text = "from the dashboard" }),
            Headers = { { "Origin", gateway.HttpAddress.GetLeftPart(UriPartial.Authority) } },
        };
        await ApiAssert.Json(await _http.SendAsync(sameSite), HttpStatusCode.Created);
    }

    [Fact]
    public async Task OpenOnLoopbackOnlyLoopbackHostNamesAreAnswered()
    {
        var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/subjects") { Headers = { Host = "attacker.example" } };

        Assert.Equal(HttpStatusCode.BadRequest, (await _http.SendAsync(rebound)).StatusCode);
        var local = new HttpRequestMessage(HttpMethod.Get, "/api/subjects") { Headers = { Host = $"localhost:{gateway.HttpAddress.Port}" } };
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(local)).StatusCode);
    }

    [Fact]
    public void NoRequestBodyAnywhereMayExceedTheApiLimit()
    {
        var kestrel = gateway.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;

        Assert.Equal(256 * 1024, kestrel.Limits.MaxRequestBodySize);
    }

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/api/subjects/React/updates")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "content-type,x-api-key" },
        },
    };
}
