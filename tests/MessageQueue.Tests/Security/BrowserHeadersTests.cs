using System.Net;
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
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
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
