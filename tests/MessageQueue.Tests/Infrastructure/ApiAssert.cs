using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>Checks on the REST door's answers.</summary>
public static class ApiAssert
{
    /// <summary>Asserts an RFC 9457 problem with this status (in the header and the body) and, if given, an error for the field.</summary>
    public static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        if (field is not null)
        {
            var messages = problem.GetProperty("errors").GetProperty(field);
            Assert.NotEqual(0, messages.GetArrayLength());
        }
        return problem;
    }

    public static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Creates a subject with a fresh name and returns the name.</summary>
    public static async Task<string> NewSubjectAsync(HttpClient http, string content = "")
    {
        var name = NewSubjectName();
        await Json(await http.PostAsJsonAsync("/api/subjects", new { name, content }), HttpStatusCode.Created);
        return name;
    }

    /// <summary>A fresh subject name: fixed length, lower-case start, so it neither starts nor is started by any other.</summary>
    public static string NewSubjectName() => "t" + Guid.NewGuid().ToString("N")[..12];
}
