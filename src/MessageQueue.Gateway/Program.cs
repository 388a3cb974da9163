using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Hosting;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using NetMQ;

var builder = WebApplication.CreateBuilder(args);
builder.ListenOnDefaultUrlsUnlessConfigured();

// Core: the fan-out path, the durable store and the application service every door calls.
// Order matters: hosted services start in this order and stop in reverse.
builder.AddFanout();
builder.AddStore();
builder.AddSubjects();

// Doors.
builder.AddLegacyZmqDoor();
builder.AddHttpApi();
builder.AddRealtime();

// Email notifications, drained from the outbox in the background.
builder.AddEmail();

// Health probes, metrics for Prometheus, request counts per door.
builder.AddOperations();

var app = builder.Build();

app.UseRequestCounting();
app.UseProblemDetailsForErrors();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapHttpApi();
app.MapRealtime();
app.MapEmailApi();
app.MapOperations();

try
{
    app.Run();
}
catch (OperationCanceledException) when (app.Lifetime.ApplicationStopping.IsCancellationRequested)
{
    // Asked to stop (SIGTERM, Ctrl+C) while still starting: that is a stop, not a crash.
}

// NetMQ's context is process-wide: end it once every socket is closed, but only when this program owns the
// process (a test host runs several gateways in one process and stops them one by one).
if (System.Reflection.Assembly.GetEntryAssembly() == typeof(Program).Assembly)
    NetMQConfig.Cleanup(block: false);

/// <summary>The gateway's entry point; public so tests can host it.</summary>
public partial class Program;
