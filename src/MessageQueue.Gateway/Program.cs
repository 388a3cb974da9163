using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using NetMQ;

var builder = WebApplication.CreateBuilder(args);

// Core: the fan-out path, the durable store and the application service every door calls.
// Order matters: hosted services start in this order and stop in reverse.
builder.AddFanout();
builder.AddStore();
builder.AddSubjects();

// Doors.
builder.AddLegacyZmqDoor();

var app = builder.Build();

app.UseDefaultFiles();
app.UseStaticFiles();

app.Run();

// NetMQ's I/O threads are process-wide: clean them up once, after every socket is closed.
NetMQConfig.Cleanup(block: false);

/// <summary>The gateway's entry point; public so tests can host it.</summary>
public partial class Program;
