using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MessageQueue.Gateway.Storage.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class MailEvenWhenSeen : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "MailEvenWhenSeen",
                table: "Subscriptions",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "MailEvenWhenSeen",
                table: "Subscriptions");
        }
    }
}
