using System.Net;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>The OpenAPI document and Swagger UI describe every operation a caller can use.</summary>
public sealed class OpenApiDocumentTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private readonly HttpClient _http = gateway.CreateClient();

    public static TheoryData<string, string, int[]> Operations => new()
    {
        { "get", "/api/subjects", [200] },
        { "post", "/api/subjects", [201, 400, 401, 403, 409, 413, 415, 503] },
        { "get", "/api/subjects/{subject}", [200, 400, 404] },
        { "delete", "/api/subjects/{subject}", [204, 400, 401, 403, 404, 503] },
        { "get", "/api/subjects/{subject}/updates", [200, 400, 404] },
        { "post", "/api/subjects/{subject}/updates", [201, 400, 401, 403, 404, 413, 415, 503] },
        { "get", "/api/subjects/{subject}/updates/{sequence}", [200, 400, 404] },
        { "post", "/api/subjects/{subject}/subscriptions", [200, 201, 400, 404, 413, 415, 503] },
        { "delete", "/api/subjects/{subject}/subscriptions/{email}", [204, 400, 401, 404, 503] },
        { "put", "/api/subjects/{subject}/subscriptions/{email}", [200, 400, 401, 404, 413, 415, 503] },
        { "get", "/api/email/preferences", [200, 400] },
        { "post", "/api/email/preferences", [303, 400, 503] },
        { "get", "/api/subjects/{subject}/events", [200, 400, 404] },
        { "get", "/api/email/confirm", [200, 400, 404] },
        { "get", "/api/email/unsubscribe", [200, 400] },
        { "post", "/api/email/unsubscribe", [200, 400, 503] },
        { "get", "/api/email/outbox", [200, 401, 403] },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task EveryOperationIsDocumentedWithItsResponses(string method, string path, int[] statuses)
    {
        var document = await DocumentAsync();

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()));
        var documented = operation.GetProperty("responses").EnumerateObject().Select(r => int.Parse(r.Name, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(statuses, documented.Order());
        // The email links answer people with HTML pages; everything else answers errors as problem details.
        var errorType = path.StartsWith("/api/email/", StringComparison.Ordinal) && path != "/api/email/outbox" ? "text/html" : "application/problem+json";
        foreach (var error in statuses.Where(s => s >= 400))
        {
            var content = operation.GetProperty("responses").GetProperty($"{error}").GetProperty("content");
            Assert.True(content.TryGetProperty(errorType, out _), $"{method} {path} {error} is not {errorType}");
        }
    }

    [Fact]
    public async Task TheDocumentListsNoOperationTheTestsDoNotKnow()
    {
        var document = await DocumentAsync();

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (m.Name, p.Name)));
        Assert.Equal(Operations.Select(o => ((string)o[0], (string)o[1])).Order(), operations.Order());
    }

    [Fact]
    public async Task RequestBodiesCarryExamples()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");

        Assert.Equal("React 20 is out.", schemas.GetProperty("PostUpdateRequest").GetProperty("properties").GetProperty("text").GetProperty("example").GetString());
        Assert.Equal("ada@example.com", schemas.GetProperty("RegisterEmailRequest").GetProperty("properties").GetProperty("email").GetProperty("example").GetString());
        Assert.Equal("Rust", schemas.GetProperty("CreateSubjectRequest").GetProperty("properties").GetProperty("name").GetProperty("example").GetString());
    }

    [Fact]
    public async Task TheEventStreamIsDescribedAsTextEventStream()
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/subjects/{subject}/events").GetProperty("get");

        Assert.True(operation.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _));
        Assert.Contains("Last-Event-ID", operation.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Last-Event-ID" && p.GetProperty("in").GetString() == "header");
    }

    [Fact]
    public async Task SwaggerUiIsServedAndTheRootPageLinksToIt()
    {
        var ui = await _http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger-ui", await ui.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var root = await _http.GetStringAsync("/");
        Assert.Contains("href=\"/swagger\"", root, StringComparison.Ordinal);
    }

    private async Task<JsonElement> DocumentAsync() =>
        await ApiAssert.Json(await _http.GetAsync("/swagger/v1/swagger.json"), HttpStatusCode.OK);
}
