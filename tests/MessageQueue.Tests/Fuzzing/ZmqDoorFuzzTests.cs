using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NetMQ;
using NetMQ.Sockets;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Random, truncated and malformed frames at the legacy ZeroMQ door, sent by a DEALER socket: every well-framed request
/// gets exactly one reply in the protocol's shapes, nothing invalid is stored or published, and the door goes on serving.
/// </summary>
/// <remarks>Each test has a gateway of its own: the oracle follows every subject's content and emails from a known start.</remarks>
public sealed class ZmqDoorFuzzTests : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);
    private readonly ITestOutputHelper _output;
    private readonly GatewayFactory _gateway = new();
    private readonly HttpClient _http;

    public ZmqDoorFuzzTests(ITestOutputHelper output)
    {
        _output = output;
        _http = _gateway.CreateClient();
    }

    private ZmqOptions Options => _gateway.Services.GetRequiredService<IOptions<ZmqOptions>>().Value;

    [Fact]
    public async Task RandomTruncatedAndMalformedRequestsEachGetOneReplyAndChangeNothing()
    {
        const int Seed = 3_001;
        var fuzz = new FuzzInputs(Seed);
        var report = new FuzzReport(_output, "zmq single-frame", Seed);
        await using var scene = await Scene.StartAsync(_gateway, _http);
        using var dealer = new TaggedDealer(_gateway.Zmq.ReplyEndpoint);

        foreach (var (category, request) in SingleFrameInputs(fuzz, scene.Subject))
        {
            report.Tried(category);
            var reply = dealer.Ask(request, ReplyTimeout, out var problem);
            Assert.True(problem is null, report.Failure(category, problem ?? "", request));
            var wrong = scene.Oracle.Judge(request, reply!);
            Assert.True(wrong is null, report.Failure(category, wrong ?? "", request));
        }

        await scene.AssertOnlyAcceptedChangesAsync();
        report.Write();
        _output.WriteLine($"accepted updates: {scene.Oracle.AcceptedUpdates}; accepted with invalid UTF-8 outside the protocol's fields: {scene.Oracle.InvalidUtf8Ignored}");
        await EveryDoor.AssertServingAsync(_gateway.HttpAddress, _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint);
    }

    [Fact]
    public async Task MultiFrameEmptyAndOversizedMessagesEachGetOneReplyOrADisconnect()
    {
        const int Seed = 3_002;
        var fuzz = new FuzzInputs(Seed);
        var report = new FuzzReport(_output, "zmq multi-frame and size", Seed);
        await using var scene = await Scene.StartAsync(_gateway, _http);

        // Multi-frame messages and empty frames, untagged: the door takes everything up to the first empty frame as the
        // routing envelope (echoed back) and answers the one frame after it; any other layout is "Invalid Request".
        using (var dealer = new DealerSocket())
        {
            dealer.Options.Linger = TimeSpan.Zero;
            dealer.Connect(_gateway.Zmq.ReplyEndpoint);
            for (var i = 0; i < 600; i++)
            {
                var frames = MultiFrameInput(fuzz, scene.Subject);
                var shown = Encoding.UTF8.GetBytes(string.Join(" | ", frames.Select(f => FuzzReport.Show(f))));
                report.Tried("multi-frame");
                for (var f = 0; f < frames.Count; f++)
                    Assert.True(dealer.TrySendFrame(ReplyTimeout, frames[f], more: f < frames.Count - 1), report.Failure("multi-frame", "could not send", shown));
                var reply = new List<byte[]>();
                Assert.True(dealer.TryReceiveMultipartBytes(ReplyTimeout, ref reply), report.Failure("multi-frame", "no reply", shown));

                var (envelope, body) = ExpectedEnvelope(frames);
                Assert.True(reply!.Count == envelope + 1, report.Failure("multi-frame", $"expected {envelope} envelope frames and the reply, got {reply.Count} frames", shown));
                Assert.True(reply.Take(envelope).Select(Convert.ToHexString).SequenceEqual(frames.Take(envelope).Select(Convert.ToHexString)),
                    report.Failure("multi-frame", "the envelope did not come back as sent", shown));
                var text = Encoding.UTF8.GetString(reply[^1]);
                var wrong = body is null
                    ? text == LegacyReplyOracle.InvalidRequest ? null : $"expected '{LegacyReplyOracle.InvalidRequest}', got '{text}'"
                    : scene.Oracle.Judge(body, text);
                Assert.True(wrong is null, report.Failure("multi-frame", wrong ?? "", shown));
            }
        }

        // Frames around Zmq:MaxRequestBytes: up to it they are read; beyond it the reply is the size error in the
        // shape of the request's type (its first "type"); random frames beyond it are "Invalid Request".
        using (var dealer = new TaggedDealer(_gateway.Zmq.ReplyEndpoint))
        {
            foreach (var type in new[] { "1", "2", "3", "4", "9", null })
            {
                foreach (var size in new[] { Options.MaxRequestBytes - 1, Options.MaxRequestBytes, Options.MaxRequestBytes + 1, Options.MaxRequestBytes + 4096 })
                {
                    var request = Padded(type, scene.Subject, size);
                    report.Tried("oversized");
                    var reply = dealer.Ask(request, ReplyTimeout, out var problem);
                    Assert.True(problem is null, report.Failure("oversized", problem ?? "", request));
                    var wrong = size <= Options.MaxRequestBytes ? scene.Oracle.Judge(request, reply!)
                        : reply == TooLarge(type) ? null : $"expected '{TooLarge(type)}', got '{reply}'";
                    Assert.True(wrong is null, report.Failure("oversized", wrong ?? "", request));
                }
            }
            for (var i = 0; i < 20; i++)
            {
                var request = fuzz.Bytes(Options.MaxRequestBytes + 1, Options.MaxRequestBytes + 20_000);
                report.Tried("oversized");
                var reply = dealer.Ask(request, ReplyTimeout, out var problem);
                Assert.True(problem is null && reply == LegacyReplyOracle.InvalidRequest, report.Failure("oversized", problem ?? $"got '{reply}'", request));
            }

            // Beyond Zmq:HardMaxRequestBytes the sender is cut off unread: no reply, and the door serves everyone else.
            for (var i = 0; i < 3; i++)
            {
                using var greedy = new DealerSocket();
                greedy.Options.Linger = TimeSpan.Zero;
                greedy.Connect(_gateway.Zmq.ReplyEndpoint);
                report.Tried("over hard cap");
                greedy.SendMoreFrameEmpty().SendFrame(new byte[Options.HardMaxRequestBytes + 1 + i * 1000]);
                Assert.False(greedy.TryReceiveFrameBytes(TimeSpan.FromSeconds(1), out _), $"seed {Seed}: a frame over the hard cap got a reply");
                var reply = dealer.Ask("{\"type\":\"1\"}"u8.ToArray(), ReplyTimeout, out var problem);
                Assert.True(problem is null && reply!.Contains($"[{scene.Subject}]", StringComparison.Ordinal), $"seed {Seed}: after a frame over the hard cap: {problem ?? reply}");
            }
        }

        await scene.AssertOnlyAcceptedChangesAsync();
        report.Write();
        await EveryDoor.AssertServingAsync(_gateway.HttpAddress, _gateway.Zmq.ReplyEndpoint, _gateway.Zmq.PublishEndpoint);
    }

    /// <summary>The inputs of the single-frame barrage, in a fixed order for the seed.</summary>
    private static IEnumerable<(string Category, byte[] Request)> SingleFrameInputs(FuzzInputs fuzz, string subject)
    {
        var valid = ValidRequests(subject);

        // Every prefix of every valid request (the whole one is valid and accepted).
        foreach (var request in valid)
        {
            for (var length = 0; length <= request.Length; length++)
                yield return ("prefix", request[..length]);
        }
        for (var i = 0; i < 600; i++)
            yield return ("random bytes", fuzz.Bytes(0, 300));
        for (var i = 0; i < 400; i++)
            yield return ("jsonish bytes", fuzz.JsonishBytes(120));
        for (var i = 0; i < 1500; i++)
            yield return ("mutated", fuzz.Mutate(fuzz.Pick(valid)));

        // Invalid UTF-8 at every kind of place: in the type, a field's value, a field's name, between tokens.
        foreach (var request in valid)
        {
            foreach (var invalid in FuzzInputs.InvalidUtf8)
            {
                var text = Encoding.UTF8.GetString(request);
                var at = fuzz.Pick(new[] { text.IndexOf("\"type\"", StringComparison.Ordinal) + 2, text.IndexOf(":\"", StringComparison.Ordinal) + 2, text.Length - 3, text.Length - 1, 1 });
                yield return ("invalid utf-8", [.. request[..at], .. invalid, .. request[at..]]);
                yield return ("invalid utf-8", Encoding.UTF8.GetBytes(text[..^1] + ",\"extra\":\"").Concat(invalid).Concat("\"}"u8.ToArray()).ToArray());
            }
        }

        // Deep nesting, at the root and inside a field.
        foreach (var depth in new[] { 1, 2, 10, 63, 64, 65, 100, 1000, 5000, 20_000 })
        {
            foreach (var (open, close) in new[] { ("[", "]"), ("{\"a\":", "}") })
            {
                var nested = string.Concat(Enumerable.Repeat(open, depth)) + "1" + string.Concat(Enumerable.Repeat(close, depth));
                yield return ("deep nesting", Encoding.UTF8.GetBytes(nested));
                yield return ("deep nesting", Encoding.UTF8.GetBytes($"{{\"type\":\"3\",\"subject\":\"{subject}\",\"updateMessage\":\"deep\",\"x\":{nested}}}"));
                yield return ("deep nesting", Encoding.UTF8.GetBytes($"{{\"type\":{nested}}}"));
                yield return ("deep nesting", Encoding.UTF8.GetBytes($"{{\"type\":\"3\",\"subject\":\"{subject}\",\"updateMessage\":\"unclosed\",\"x\":{string.Concat(Enumerable.Repeat(open, depth))}"));
            }
        }

        // Every odd value (huge numbers, wrong types, look-alike strings) in every field of every type.
        foreach (var type in new[] { "\"1\"", "\"2\"", "\"3\"", "\"4\"" })
        {
            foreach (var value in FuzzInputs.OddValues)
            {
                yield return ("odd values", Encoding.UTF8.GetBytes($"{{\"type\":{value}}}"));
                yield return ("odd values", Encoding.UTF8.GetBytes($"{{\"type\":{type},\"subject\":{value},\"email\":\"a@b.com\",\"updateMessage\":\"v\"}}"));
                yield return ("odd values", Encoding.UTF8.GetBytes($"{{\"type\":{type},\"subject\":\"{subject}\",\"email\":{value},\"updateMessage\":\"v\"}}"));
                yield return ("odd values", Encoding.UTF8.GetBytes($"{{\"type\":{type},\"subject\":\"{subject}\",\"email\":\"odd@example.com\",\"updateMessage\":{value}}}"));
                yield return ("odd values", Encoding.UTF8.GetBytes($"{{\"type\":{type},\"subject\":\"{subject}\",\"email\":\"odd@example.com\",\"updateMessage\":\"x\",\"type\":{value}}}"));
            }
        }

        // Random JSON objects built from the protocol's own field names and odd values.
        string[] names = ["type", "type", "subject", "email", "updateMessage", "Type", "TYPE", "typ\\u0065", "", "data"];
        for (var i = 0; i < 500; i++)
        {
            var fields = Enumerable.Range(0, fuzz.Next(0, 6)).Select(_ =>
            {
                var value = fuzz.Chance(0.5) ? fuzz.Pick(FuzzInputs.OddValues)
                    : fuzz.Chance(0.5) ? JsonSerializer.Serialize(fuzz.Pick(new[] { "1", "2", "3", "4", subject, "fuzz@example.com", "React" }))
                    : JsonSerializer.Serialize(fuzz.Text(fuzz.Next(0, 40)));
                return $"\"{fuzz.Pick(names)}\":{value}";
            });
            yield return ("random objects", Encoding.UTF8.GetBytes("{" + string.Join(",", fields) + "}"));
        }
    }

    private static byte[][] ValidRequests(string subject) =>
    [
        JsonSerializer.SerializeToUtf8Bytes(new { type = "1" }),
        JsonSerializer.SerializeToUtf8Bytes(new { type = "2", email = "fuzz@example.com", subject }),
        JsonSerializer.SerializeToUtf8Bytes(new { type = "3", subject, updateMessage = "fuzz line" }),
        JsonSerializer.SerializeToUtf8Bytes(new { type = "4", subject, email = "fuzz@example.com" }),
    ];

    /// <summary>2 to 70 frames: empty ones, random ones, valid and mutated requests, in any order.</summary>
    private static List<byte[]> MultiFrameInput(FuzzInputs fuzz, string subject)
    {
        var valid = ValidRequests(subject);
        var count = fuzz.Chance(0.05) ? fuzz.Next(60, 71) : fuzz.Next(1, 6);
        var frames = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            frames.Add(fuzz.Next(5) switch
            {
                0 => [],
                1 => fuzz.Bytes(1, 40),
                2 => fuzz.Pick(valid),
                3 => fuzz.Mutate(fuzz.Pick(valid)),
                _ => fuzz.Chance(0.5) ? [] : fuzz.JsonishBytes(30),
            });
        }
        return frames;
    }

    /// <summary>
    /// How the door reads a DEALER's message (the ROUTER adds the peer's identity in front): the frames up to and
    /// including the first empty one are the envelope, and exactly one frame must follow; at most 64 frames are looked at.
    /// </summary>
    private static (int Envelope, byte[]? Body) ExpectedEnvelope(List<byte[]> sent)
    {
        const int MaxFramesPerRequest = 64;
        var seen = sent.Take(MaxFramesPerRequest - 1).ToList();
        var delimiter = seen.FindIndex(f => f.Length == 0);
        var envelope = delimiter < 0 ? 0 : delimiter + 1;
        var body = sent.Count + 1 <= MaxFramesPerRequest && sent.Count == envelope + 1 ? sent[^1] : null;
        return (envelope, body);
    }

    /// <summary>A request of exactly <paramref name="size"/> bytes, its "type" first, padded by an extra field.</summary>
    private static byte[] Padded(string? type, string subject, int size)
    {
        var head = type is null ? "{\"subject\":\"" + subject + "\"" : $"{{\"type\":\"{type}\",\"subject\":\"{subject}\",\"email\":\"big@example.com\",\"updateMessage\":\"big {size}\"";
        var frame = head + ",\"padding\":\"\"}";
        return Encoding.UTF8.GetBytes(frame.Insert(frame.Length - 2, new string('p', size - frame.Length)));
    }

    private string TooLarge(string? type)
    {
        var sentence = $"The request is larger than {Options.MaxRequestBytes} bytes. Try again!";
        return type switch
        {
            "2" => $"{{\"data\": \"{sentence}\", \"isValid\": \"Fail\"}}",
            "3" or "4" => sentence,
            _ => LegacyReplyOracle.InvalidRequest,
        };
    }

    /// <summary>
    /// A fresh subject, a SUB socket on every topic joined past the slow-joiner gap, and the state of every subject:
    /// what a barrage starts from and is checked against.
    /// </summary>
    private sealed class Scene : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly LegacyPeer _peer;
        private readonly LegacySubscriber _everything;
        private readonly Dictionary<string, long> _sequences;

        private Scene(HttpClient http, string subject, LegacyPeer peer, LegacySubscriber everything, LegacyReplyOracle oracle, Dictionary<string, long> sequences)
        {
            _http = http;
            Subject = subject;
            _peer = peer;
            _everything = everything;
            Oracle = oracle;
            _sequences = sequences;
        }

        public string Subject { get; }

        public LegacyReplyOracle Oracle { get; }

        public static async Task<Scene> StartAsync(GatewayFactory gateway, HttpClient http)
        {
            var subject = await ApiAssert.NewSubjectAsync(http, "fuzz start");
            var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
            var everything = new LegacySubscriber(gateway.Zmq.PublishEndpoint, "");
            everything.WaitUntilJoined(peer, subject);

            var states = new List<(string, string)>();
            var sequences = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var summary in (await ApiAssert.Json(await http.GetAsync("/api/subjects"), HttpStatusCode.OK)).EnumerateArray())
            {
                var name = summary.GetProperty("name").GetString()!;
                var details = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
                Assert.Equal(0, details.GetProperty("emailCount").GetInt32()); // the oracle follows registrations from none
                states.Add((name, details.GetProperty("content").GetString()!));
                sequences[name] = details.GetProperty("lastSequence").GetInt64();
            }
            return new Scene(http, subject, peer, everything, new LegacyReplyOracle(states), sequences);
        }

        /// <summary>
        /// The SUB socket got exactly the accepted updates' publications (a fence update posted last marks the end),
        /// and every subject holds exactly what the accepted requests made of it.
        /// </summary>
        public async Task AssertOnlyAcceptedChangesAsync()
        {
            var fence = $"fence-{Guid.NewGuid():N}";
            Assert.Equal("isSuccess", _peer.Request(new { type = "3", subject = Subject, updateMessage = fence }));
            var received = new List<string>();
            string frame;
            while (!(frame = _everything.Receive()).EndsWith("\n" + fence, StringComparison.Ordinal))
                received.Add(frame);
            Assert.True(Oracle.ExpectedPublications.SequenceEqual(received),
                $"publications: expected {Oracle.ExpectedPublications.Count}, received {received.Count}; first difference: "
                + FirstDifference(Oracle.ExpectedPublications, received));

            foreach (var name in Oracle.Subjects)
            {
                var details = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
                var expected = Oracle.ContentOf(name) + (name == Subject ? "\n" + fence : "");
                Assert.Equal(expected, details.GetProperty("content").GetString());
                Assert.Equal(Oracle.EmailCountOf(name), details.GetProperty("emailCount").GetInt32());
            }
            var stored = Oracle.Subjects.Sum(n => _sequences[n]) + Oracle.AcceptedUpdates + 1;
            var now = (await ApiAssert.Json(await _http.GetAsync("/api/subjects"), HttpStatusCode.OK)).EnumerateArray()
                .Where(s => _sequences.ContainsKey(s.GetProperty("name").GetString()!)).Sum(s => s.GetProperty("lastSequence").GetInt64());
            Assert.Equal(stored, now);
            Assert.Equal(Oracle.Subjects.Count, (await ApiAssert.Json(await _http.GetAsync("/api/subjects"), HttpStatusCode.OK)).GetArrayLength());
        }

        private static string FirstDifference(List<string> expected, List<string> received)
        {
            var i = 0;
            while (i < expected.Count && i < received.Count && expected[i] == received[i])
                i++;
            return $"#{i}: expected '{(i < expected.Count ? expected[i] : "(nothing)")}', received '{(i < received.Count ? received[i] : "(nothing)")}'";
        }

        public ValueTask DisposeAsync()
        {
            _everything.Dispose();
            _peer.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// A DEALER that sends each request as a REQ would, behind a tag frame of its own: the reply must come back under
    /// the same tag, so a second or late reply to an earlier request is caught.
    /// </summary>
    private sealed class TaggedDealer : IDisposable
    {
        private readonly DealerSocket _socket = new();
        private long _tag;

        public TaggedDealer(string endpoint)
        {
            _socket.Options.Linger = TimeSpan.Zero;
            _socket.Connect(endpoint);
        }

        public string? Ask(byte[] request, TimeSpan timeout, out string? problem)
        {
            var tag = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(tag, ++_tag);
            if (!_socket.TrySendFrame(timeout, tag, more: true) || !_socket.TrySendFrameEmpty(timeout, more: true) || !_socket.TrySendFrame(timeout, request))
            {
                problem = "the request could not be sent";
                return null;
            }
            var reply = new List<byte[]>();
            if (!_socket.TryReceiveMultipartBytes(timeout, ref reply))
            {
                problem = $"no reply within {timeout.TotalSeconds} s";
                return null;
            }
            problem = reply!.Count != 3 || !reply[0].AsSpan().SequenceEqual(tag) || reply[1].Length != 0
                ? $"expected one reply [tag, empty, reply], got {reply.Count} frames: {string.Join(" | ", reply.Select(f => FuzzReport.Show(f)))}"
                : null;
            return problem is null ? Encoding.UTF8.GetString(reply[2]) : null;
        }

        public void Dispose() => _socket.Dispose();
    }

    public void Dispose()
    {
        _http.Dispose();
        _gateway.Dispose();
    }
}
