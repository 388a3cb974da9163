using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace MessageQueue.Gateway.Security;

/// <summary>Describes the API key in the OpenAPI document, so Swagger UI's Authorize button sends it, and only where it is needed.</summary>
internal sealed class SwaggerApiKey : IOperationFilter
{
    public static void Configure(SwaggerGenOptions swagger)
    {
        swagger.AddSecurityDefinition(ApiKeyAuthentication.SchemeName, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthentication.HeaderName,
            Description = "An API key from Auth:ApiKeys. Publishing needs the publisher or admin role; creating and deleting subjects and reading the outbox need admin.",
        });
        swagger.OperationFilter<SwaggerApiKey>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
            return;
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthentication.SchemeName, context.Document)] = [] });
    }
}
