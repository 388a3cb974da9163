using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ConfirmationThrottle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ConfirmationQueuedAt",
                table: "Subscriptions",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ConfirmationQueuedAt",
                table: "Subscriptions");
        }
    }
}
