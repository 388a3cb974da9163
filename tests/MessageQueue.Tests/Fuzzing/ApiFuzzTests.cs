using System.Net;
using System.Text;
using System.Text.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Random and mutated bodies, media types, path segments and query strings at the REST door: every refusal is a 4xx
/// problem document, never a 5xx; whatever is accepted is stored exactly as sent; and the door goes on serving.
/// </summary>
/// <remarks>No API keys are configured, so the API is open on loopback, with or without the auth work.</remarks>
public sealed class ApiFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly string?[] MediaTypes =
    [
        "application/json", "application/json", "application/json", "application/json; charset=utf-8", null, "text/plain",
        "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=bogus",
        "application/problem+json", "application/vnd.fuzz+json", "*/*", "application/json; charset=utf-16",
    ];

    private static readonly string[] FieldNames = ["name", "text", "email", "content", "extra", "Text", "EMAIL"];
    private static readonly int[] HugeLengths = [32 * 1024, 32 * 1024 + 1, 200 * 1024, 300 * 1024];
    private static readonly int[] Depths = [64, 65, 1000, 100_000];
    private static readonly int[] SegmentLengths = [64, 65, 2000];
    private static readonly string[] OddSegments = ["..", ".", "%2F", "%2e%2e", "%00", "%FF", "%C0%AF", "%ED%A0%80", "React", "React%20", "react", "-1", "0", "~", "%25"];

    // The door is fuzzed, not the rate limiter: thousands of requests come from one address.
    private readonly GatewayFactory _gateway = new(null, new Dictionary<string, string?> { ["RateLimiting:Enabled"] = "false" });

    [Fact]
    public async Task RandomAndMutatedRequestsAreRefusedAsProblemsOrStoredExactlyAsSent()
    {
        const int Seed = 3_201;
        var fuzz = new FuzzInputs(Seed);
        var report = new FuzzReport(output, "rest", Seed);
        using var http = _gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http, "fuzz start");
        var accepted = 0L;
        var previous = "";

        for (var i = 0; i < 1800; i++)
        {
            var (category, path, body) = fuzz.Next(3) switch
            {
                0 => ("create subject", "/api/subjects", Body(fuzz, JsonSerializer.SerializeToUtf8Bytes(new { name = ApiAssert.NewSubjectName(), content = fuzz.Text(fuzz.Next(0, 30)) }))),
                1 => ("post update", $"/api/subjects/{subject}/updates", Body(fuzz, JsonSerializer.SerializeToUtf8Bytes(new { text = fuzz.Text(fuzz.Next(1, 40)) }))),
                _ => ("register email", $"/api/subjects/{subject}/subscriptions", Body(fuzz, JsonSerializer.SerializeToUtf8Bytes(new { email = $"fuzz{fuzz.Next(5)}@example.com" }))),
            };
            var mediaType = fuzz.Chance(0.75) ? "application/json" : fuzz.Pick(MediaTypes);
            report.Tried(category);
            using var content = new ByteArrayContent(body);
            if (mediaType is not null)
                content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
            var shown = Encoding.UTF8.GetBytes($"POST {path} [{mediaType ?? "no Content-Type"}] ").Concat(body).ToArray();
            HttpResponseMessage response;
            try
            {
                // A body over Api:MaxRequestBodyBytes refused unread (415, 404) cannot be drained, so Kestrel closes the
                // connection after answering; a client that reuses it races that close. Such a client says so up front.
                using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
                request.Headers.ConnectionClose = body.Length > 256 * 1024;
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException ex)
            {
                Assert.Fail(report.Failure(category, $"no response: {ex.InnerException?.Message}; the request before: {previous}", shown));
                throw;
            }
            using var answered = response;
            previous = $"{category} [{mediaType}] {body.Length} bytes: {(int)response.StatusCode} {FuzzReport.Show(body.AsSpan(0, Math.Min(body.Length, 120)))}";
            if (!response.IsSuccessStatusCode)
            {
                var wrong = await ProblemOrWhy(response);
                Assert.True(wrong is null, report.Failure(category, wrong ?? "", shown));
                continue;
            }

            // Accepted: what was sent is what is stored.
            var answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync()).RootElement;
            string? mismatch;
            switch (category)
            {
                case "create subject":
                    var create = JsonSerializer.Deserialize<CreateSubjectRequest>(body, Web)!;
                    var stored = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{create.Name}"), HttpStatusCode.OK);
                    mismatch = stored.GetProperty("content").GetString() == (create.Content ?? "") ? null
                        : $"created with content '{create.Content}', stored '{stored.GetProperty("content").GetString()}'";
                    break;
                case "post update":
                    var post = JsonSerializer.Deserialize<PostUpdateRequest>(body, Web)!;
                    var sequence = answer.GetProperty("sequence").GetInt64();
                    var update = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}/updates/{sequence}"), HttpStatusCode.OK);
                    mismatch = update.GetProperty("text").GetString() == post.Text ? null : $"posted '{post.Text}', stored '{update.GetProperty("text").GetString()}'";
                    accepted++;
                    break;
                default:
                    var register = JsonSerializer.Deserialize<RegisterEmailRequest>(body, Web)!;
                    mismatch = string.Equals(answer.GetProperty("email").GetString(), register.Email, StringComparison.OrdinalIgnoreCase) ? null
                        : $"registered '{register.Email}', answered '{answer.GetProperty("email").GetString()}'";
                    break;
            }
            Assert.True(mismatch is null, report.Failure(category, mismatch ?? "", shown));
        }

        // Random path segments and query strings on the GETs.
        for (var i = 0; i < 900; i++)
        {
            var segment = Segment(fuzz);
            var number = fuzz.Pick(new[] { "0", "1", "-1", "9223372036854775807", "9223372036854775808", "1e3", "0x10", "", "%00", " 1", "１", Segment(fuzz) });
            var path = fuzz.Next(5) switch
            {
                0 => $"/api/subjects/{segment}",
                1 => $"/api/subjects/{(fuzz.Chance(0.5) ? subject : segment)}/updates?after={number}&limit={fuzz.Pick(new[] { number, "0", "1001", "1", segment })}",
                2 => $"/api/subjects/{subject}/updates/{segment}",
                3 => $"/api/subjects/{(fuzz.Chance(0.5) ? subject : segment)}/events?after={number}",
                _ => $"/api/{segment}/{Segment(fuzz)}?{Segment(fuzz)}={Segment(fuzz)}",
            };
            report.Tried("get");
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (fuzz.Chance(0.2) && Ascii.IsValid(number))
                request.Headers.TryAddWithoutValidation("Last-Event-ID", number);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            string? wrong = null;
            if (response.StatusCode == HttpStatusCode.BadRequest && path.Contains("%00", StringComparison.Ordinal) && response.Content.Headers.ContentLength == 0)
                report.Tried("get: refused by Kestrel before the app (NUL in the path, no problem body)"); // never reaches middleware
            else if (!response.IsSuccessStatusCode)
                wrong = await ProblemOrWhy(response);
            else if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
                wrong = path.Contains("/events", StringComparison.Ordinal) ? null : "an event stream from a path that is not one";
            else if (path.Contains("..", StringComparison.Ordinal) || path.Contains("%2e%2e", StringComparison.OrdinalIgnoreCase))
                report.Tried("get: dot segments left /api (the dashboard answered)");
            else
                wrong = response.Content.Headers.ContentType?.MediaType == "application/json" ? null : $"a {response.StatusCode} of {response.Content.Headers.ContentType}";
            Assert.True(wrong is null, report.Failure("get", wrong ?? "", "GET " + path));
        }

        var details = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK);
        Assert.Equal(accepted, details.GetProperty("lastSequence").GetInt64());
        report.Write();
        output.WriteLine($"accepted updates: {accepted}");
        await EveryDoor.AssertServingAsync(_gateway.HttpAddress, _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint);
    }

    /// <summary>A valid body mutated, or replaced by something of the wrong shape altogether.</summary>
    private static byte[] Body(FuzzInputs fuzz, byte[] valid) => fuzz.Next(12) switch
    {
        0 => valid,
        1 => fuzz.Bytes(0, 200),
        2 => fuzz.JsonishBytes(80),
        3 => Encoding.UTF8.GetBytes(fuzz.Pick(FuzzInputs.OddValues)),
        4 => Encoding.UTF8.GetBytes($"[{Encoding.UTF8.GetString(valid)}]"),
        5 => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(valid)[..^1] + $",\"{fuzz.Pick(FieldNames)}\":{fuzz.Pick(FuzzInputs.OddValues)}}}"),
        6 => Encoding.UTF8.GetBytes($"{{\"{fuzz.Pick(FieldNames[..4])}\":{fuzz.Pick(FuzzInputs.OddValues)}}}"),
        7 => Encoding.UTF8.GetBytes($"{{\"name\":\"{ApiAssert.NewSubjectName()}\",\"text\":\"{new string('x', fuzz.Pick(HugeLengths))}\",\"email\":\"a@b.co\"}}"),
        8 => Encoding.UTF8.GetBytes(new string('[', fuzz.Pick(Depths))),
        _ => fuzz.Mutate(valid),
    };

    /// <summary>A path segment: escaped random text, an odd value, dots, escapes, or a long run.</summary>
    private static string Segment(FuzzInputs fuzz) => fuzz.Next(6) switch
    {
        0 => Uri.EscapeDataString(fuzz.Text(fuzz.Next(1, 30))),
        1 => fuzz.Pick(OddSegments),
        2 => Uri.EscapeDataString(fuzz.Pick(FuzzInputs.OddValues)),
        3 => new string('a', fuzz.Pick(SegmentLengths)),
        4 => string.Concat(fuzz.Bytes(1, 20).Select(b => $"%{b:X2}")),
        _ => ApiAssert.NewSubjectName(),
    };

    /// <summary>Null for a 4xx RFC 9457 problem whose body names the same status; otherwise what is wrong.</summary>
    private static async Task<string?> ProblemOrWhy(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        if (status is < 400 or >= 500)
            return $"status {status}: {text}";
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            return $"status {status} with {response.Content.Headers.ContentType?.ToString() ?? "no body type"}: {text}";
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return problem.GetProperty("status").GetInt32() == status && !string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString())
                ? null : $"a problem document that does not say status {status} with a title: {text}";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"status {status} with a body that is not a problem document: {text}";
        }
    }

    public void Dispose() => _gateway.Dispose();
}
