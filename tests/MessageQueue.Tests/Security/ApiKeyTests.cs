using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Security;

/// <summary>With API keys configured, reading stays open and every change over HTTP needs a key of the right role.</summary>
public sealed class ApiKeyTests(KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    private readonly HttpClient _anonymous = gateway.ClientWithKey(null);
    private readonly HttpClient _publisher = gateway.ClientWithKey(KeyedGateway.PublisherKey);
    private readonly HttpClient _admin = gateway.ClientWithKey(KeyedGateway.AdminKey);

    [Fact]
    public async Task ReadingNeedsNoKey()
    {
        await ApiAssert.Json(await _anonymous.GetAsync("/api/subjects"), HttpStatusCode.OK);
        await ApiAssert.Json(await _anonymous.GetAsync("/api/subjects/React/updates"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task PostingWithoutAKeyIs401WithAChallengeAndStoresNothing()
    {
        var before = await LastSequenceAsync("React");

        var response = await _anonymous.PostAsJsonAsync("/api/subjects/React/updates", new { text = "no key" });

        var problem = await ApiAssert.Problem(response, HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal(before, await LastSequenceAsync("React"));
    }

    [Fact]
    public async Task AWrongKeyIs401EvenWhereNoKeyIsNeeded()
    {
        var wrong = gateway.ClientWithKey("not-a-key-the-gateway-knows");

        var problem = await ApiAssert.Problem(await wrong.GetAsync("/api/subjects"), HttpStatusCode.Unauthorized);
        Assert.Equal("The API key was refused.", problem.GetProperty("title").GetString());
        await ApiAssert.Problem(await wrong.PostAsJsonAsync("/api/subjects/React/updates", new { text = "x" }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task APublisherMayPostButNotCreateDeleteOrReadTheOutbox()
    {
        var name = await ApiAssert.NewSubjectAsync(_admin);

        var posted = await ApiAssert.Json(await _publisher.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "by a publisher" }), HttpStatusCode.Created);
        Assert.Equal(1, posted.GetProperty("sequence").GetInt64());

        var problem = await ApiAssert.Problem(await _publisher.PostAsJsonAsync("/api/subjects", new { name = ApiAssert.NewSubjectName() }), HttpStatusCode.Forbidden);
        Assert.Contains("admin", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await ApiAssert.Problem(await _publisher.DeleteAsync($"/api/subjects/{name}"), HttpStatusCode.Forbidden);
        await ApiAssert.Problem(await _publisher.GetAsync("/api/email/outbox"), HttpStatusCode.Forbidden);
        await ApiAssert.Json(await _anonymous.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AnAdminKeyGivenOnlyAsItsHashMayDoEverything()
    {
        var name = await ApiAssert.NewSubjectAsync(_admin);

        await ApiAssert.Json(await _admin.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "by an admin" }), HttpStatusCode.Created);
        await ApiAssert.Json(await _admin.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync($"/api/subjects/{name}")).StatusCode);
        await ApiAssert.Problem(await _anonymous.GetAsync($"/api/subjects/{name}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheKeyMayComeAsABearerTokenButNotInTheQueryOutsideTheHub()
    {
        var bearer = gateway.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KeyedGateway.PublisherKey);
        await ApiAssert.Json(await bearer.PostAsJsonAsync("/api/subjects/React/updates", new { text = "bearer" }), HttpStatusCode.Created);

        var inQuery = await _anonymous.PostAsJsonAsync($"/api/subjects/React/updates?access_token={KeyedGateway.PublisherKey}", new { text = "query" });
        await ApiAssert.Problem(inQuery, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheLegacyDoorIsUnaffectedByApiKeys()
    {
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        var before = await LastSequenceAsync("Django");

        Assert.Equal("isSuccess", peer.Request(new { type = "3", subject = "Django", updateMessage = "legacy" }));

        Assert.Equal(before + 1, await LastSequenceAsync("Django"));
    }

    [Fact]
    public async Task SwaggerDescribesTheKeyOnExactlyTheOperationsThatNeedIt()
    {
        var document = await ApiAssert.Json(await _anonymous.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        var secured = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Value.TryGetProperty("security", out _)).Select(op => $"{op.Name.ToUpperInvariant()} {path.Name}"))
            .Order().ToArray();
        Assert.Equal(["DELETE /api/subjects/{subject}", "GET /api/email/outbox", "POST /api/subjects", "POST /api/subjects/{subject}/updates"], secured);
        var post = document.GetProperty("paths").GetProperty("/api/subjects/{subject}/updates").GetProperty("post").GetProperty("responses");
        Assert.True(post.TryGetProperty("401", out _) && post.TryGetProperty("403", out _));
    }

    private async Task<long> LastSequenceAsync(string subject)
    {
        var details = await ApiAssert.Json(await _anonymous.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK);
        return details.GetProperty("lastSequence").GetInt64();
    }
}
