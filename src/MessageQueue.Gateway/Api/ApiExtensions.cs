using MessageQueue.Gateway.Fanout;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace MessageQueue.Gateway.Api;

public static class ApiExtensions
{
    /// <summary>The REST door: JSON endpoints under /api, problem details for every error, event streams, OpenAPI.</summary>
    public static IHostApplicationBuilder AddHttpApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));

        // Binding failures throw, so BadRequestProblems can say what was wrong instead of an empty 400.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "Nothing is served at this URL; the API is under /api and described at /swagger.",
                StatusCodes.Status405MethodNotAllowed => "This URL does not take that method; /swagger lists what each URL takes.",
                StatusCodes.Status413PayloadTooLarge => "The request body is larger than the gateway accepts (Api:MaxRequestBodyBytes).",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON, with Content-Type: application/json.",
                _ => null,
            });
        builder.Services.AddExceptionHandler<BadRequestProblems>();

        builder.Services.AddSingleton<LiveUpdateFeed>();
        builder.Services.AddSingleton<IChangeSink>(sp => sp.GetRequiredService<LiveUpdateFeed>());

        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "MessageQueue gateway",
                Version = "v1",
                Description = "Subjects, their updates and email registrations: the same operations as the legacy ZeroMQ door, "
                    + "plus history and a live event stream. Every error is an RFC 9457 problem details document.",
            });
            swagger.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, $"{typeof(ApiExtensions).Assembly.GetName().Name}.xml"));
            swagger.SupportNonNullableReferenceTypes();
        });
        return builder;
    }

    /// <summary>Errors as problem details everywhere (unknown routes and unsupported methods included).</summary>
    public static WebApplication UseProblemDetailsForErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static WebApplication MapHttpApi(this WebApplication app)
    {
        // Only under /swagger: its middleware costs every request it sees (measured: a fifth of a list request's pipeline).
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(ui => ui.DocumentTitle = "MessageQueue API");
        });
        var maxBody = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        app.MapSubjectsApi().WithMetadata(new RequestSizeLimitAttribute(maxBody));
        return app;
    }
}
