using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations
{
    /// <inheritdoc />
    public partial class OriginsAndIdempotencyKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The door enum's names ("Zmq", "Rest", "Hub") become origins, the names clients already see ("zmq", ...).
            migrationBuilder.AddColumn<string>(
                name: "Origin",
                table: "Updates",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.Sql("UPDATE \"Updates\" SET \"Origin\" = lower(\"Door\");");

            migrationBuilder.DropColumn(
                name: "Door",
                table: "Updates");

            migrationBuilder.AddColumn<string>(
                name: "IdempotencyKey",
                table: "Updates",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Updates_SubjectId_IdempotencyKey",
                table: "Updates",
                columns: new[] { "SubjectId", "IdempotencyKey" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Updates_SubjectId_IdempotencyKey",
                table: "Updates");

            migrationBuilder.DropColumn(
                name: "IdempotencyKey",
                table: "Updates");

            migrationBuilder.AddColumn<string>(
                name: "Door",
                table: "Updates",
                type: "TEXT",
                maxLength: 16,
                nullable: false,
                defaultValue: "");

            migrationBuilder.Sql(
                "UPDATE \"Updates\" SET \"Door\" = CASE \"Origin\" WHEN 'rest' THEN 'Rest' WHEN 'hub' THEN 'Hub' ELSE 'Zmq' END;");

            migrationBuilder.DropColumn(
                name: "Origin",
                table: "Updates");
        }
    }
}
