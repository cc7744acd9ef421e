"""The OpenAPI 3.1 description of /api/v1, written by hand (it is small and stable).

Lists every API path, including /api/v1/stats/units, which the dashboard blueprint serves.
"""
from tracker.deadline_state import STATES
from tracker.models import DIRECTIVE_KINDS
from tracker.models import TASK_STATUSES

ERROR_STATUSES = {
    "400": "Yêu cầu sai dạng (JSON hỏng, tham số sai kiểu)",
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Không có quyền",
    "404": "Không tìm thấy (hoặc không có quyền xem)",
    "409": "Xung đột: phiên bản cũ (version) hoặc trạng thái không cho phép",
    "413": "Nội dung quá lớn",
    "422": "Dữ liệu không hợp lệ",
}


def _errors(*codes: str) -> dict:
    return {c: {"description": ERROR_STATUSES[c], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def _ok(schema_ref: str, description: str = "Thành công", status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}}


def openapi_document() -> dict:
    task_schema = {
        "type": "object",
        "required": ["id", "directive_id", "lead_unit", "co_units", "action", "deadline", "deadline_text",
                     "recurrence", "state", "deadline_state", "progress", "version"],
        "properties": {
            "id": {"type": "integer"},
            "directive_id": {"type": "integer"},
            "lead_unit": {"$ref": "#/components/schemas/UnitRef"},
            "owner_text": {"type": ["string", "null"], "description": "Đơn vị chủ trì như viết trong văn bản"},
            "co_units": {"type": "array", "items": {"$ref": "#/components/schemas/UnitRef"}},
            "action": {"type": "string"},
            "deadline": {"type": ["string", "null"], "format": "date"},
            "deadline_text": {"type": ["string", "null"], "description": "Cụm từ thời hạn như viết trong văn bản"},
            "recurrence": {"type": ["string", "null"], "examples": ["monthly:20", "weekly:5", "quarterly"]},
            "series_id": {"type": ["integer", "null"]},
            "urgent": {"type": "boolean"},
            "state": {"type": "string", "enum": list(TASK_STATUSES), "description": "Trạng thái xử lý"},
            "state_label": {"type": "string"},
            "deadline_state": {"type": "string", "enum": list(STATES)},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "result_note": {"type": ["string", "null"]},
            "completed_on": {"type": ["string", "null"], "format": "date"},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "version": {"type": "integer", "description": "Gửi lại khi PATCH; sai phiên bản trả về 409"},
        },
    }
    directive_schema = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "number": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]},
            "kind": {"type": "string", "enum": list(DIRECTIVE_KINDS)}, "title": {"type": "string"},
            "issuer": {"type": ["string", "null"]}, "signer": {"type": ["string", "null"]},
            "issued": {"type": ["string", "null"], "format": "date"},
            "state": {"type": "string", "enum": ["draft", "published"]}, "version": {"type": "integer"},
            "tasks": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Task"},
                                                           {"$ref": "#/components/schemas/DraftTask"}]}},
        },
    }
    draft_task = {
        "type": "object",
        "description": "Nhiệm vụ đề xuất (bản nháp); gửi lại, có thể đã sửa, khi ban hành",
        "properties": {
            "owner": {"type": ["string", "null"]}, "unit_id": {"type": ["integer", "null"]},
            "co_owners": {"type": "array", "items": {"type": "string"}},
            "co_unit_ids": {"type": "array", "items": {"type": "integer"}},
            "action": {"type": "string"}, "deadline": {"type": ["string", "null"], "format": "date"},
            "deadline_text": {"type": ["string", "null"]}, "recurrence": {"type": ["string", "null"]},
            "urgent": {"type": "boolean"}, "start": {"type": ["integer", "null"]}, "end": {"type": ["integer", "null"]},
            "confidence": {"type": ["number", "null"]}, "reasons": {"type": "array", "items": {"type": "string"}},
        },
    }
    int_param = lambda name, desc: {"name": name, "in": "query", "required": False,  # noqa: E731
                                    "schema": {"type": "integer", "minimum": 1}, "description": desc}
    id_param = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "directive-tracker API",
            "version": "1",
            "description": "Theo dõi nhiệm vụ từ văn bản chỉ đạo. Xác thực bằng `Authorization: Bearer <mã>` "
                           "(tạo ở trang Tài khoản hoặc `flask --app app users token LOGIN`). Lỗi luôn có dạng "
                           '`{"error": {"code", "message"}}`.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/directives": {"post": {
                "summary": "Phân tích văn bản, tạo bản nháp và trả về các nhiệm vụ đề xuất",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["text"], "properties": {
                        "text": {"type": "string", "maxLength": 2 * 1024 * 1024},
                        "issued": {"type": "string", "description": "YYYY-MM-DD hoặc DD/MM/YYYY"},
                        "number": {"type": "string"},
                        "kind": {"type": "string", "enum": list(DIRECTIVE_KINDS)}}}}}},
                "responses": {**_ok("Directive", "Bản nháp đã tạo", "201"), **_errors("400", "401", "403", "413", "422")},
            }},
            "/api/v1/directives/{id}": {"get": {
                "summary": "Một văn bản và các nhiệm vụ của nó (bản nháp: nhiệm vụ đề xuất)",
                "parameters": [id_param("id")],
                "responses": {**_ok("Directive"), **_errors("401", "404")},
            }},
            "/api/v1/directives/{id}/publish": {"post": {
                "summary": "Ban hành bản nháp: tạo tất cả nhiệm vụ hoặc không tạo gì",
                "parameters": [id_param("id")],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"tasks": {"type": "array", "items": {
                        "$ref": "#/components/schemas/DraftTask"}}}}}}},
                "responses": {**_ok("Directive", "Đã ban hành", "201"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/tasks": {"get": {
                "summary": "Danh sách nhiệm vụ được phép xem, sắp theo hạn",
                "parameters": [
                    int_param("unit", "Đơn vị chủ trì (id)"),
                    {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(STATES)},
                     "description": "Trạng thái theo hạn"},
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(TASK_STATUSES)},
                     "description": "Trạng thái xử lý"},
                    int_param("directive", "Văn bản (id)"),
                    {"name": "q", "in": "query", "schema": {"type": "string"},
                     "description": "Tìm kiếm không phân biệt dấu"},
                    int_param("page", "Trang (từ 1)"),
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                ],
                "responses": {**_ok("TaskPage"), **_errors("400", "401", "422")},
            }},
            "/api/v1/tasks/{id}": {
                "get": {"summary": "Một nhiệm vụ", "parameters": [id_param("id")],
                        "responses": {**_ok("Task"), **_errors("401", "404")}},
                "patch": {
                    "summary": "Cập nhật trạng thái, tiến độ, ghi chú (kèm version)",
                    "parameters": [id_param("id")],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["version"], "properties": {
                            "state": {"type": "string", "enum": ["chua_thuc_hien", "dang_thuc_hien", "cho_xac_nhan", "tam_dung"]},
                            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                            "note": {"type": "string", "maxLength": 5000},
                            "version": {"type": "integer"}}}}}},
                    "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409", "422")},
                },
            },
            "/api/v1/units": {"get": {
                "summary": "Danh mục đơn vị",
                "responses": {"200": {"description": "Thành công", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"items": {"type": "array", "items": {
                        "$ref": "#/components/schemas/Unit"}}}}}}}, **_errors("401")},
            }},
            "/api/v1/stats/units": {"get": {
                "summary": "Số liệu bốn nhóm theo đơn vị (hoàn thành đúng hạn, hoàn thành quá hạn, "
                           "chưa hoàn thành trong hạn, chưa hoàn thành quá hạn)",
                "description": "Phục vụ bởi blueprint tổng hợp (tracker/web/dashboard.py); cùng bộ lọc với trang Tổng hợp.",
                "parameters": [
                    {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["deadline", "issued"]},
                     "description": "Lọc theo hạn nhiệm vụ hoặc ngày ban hành văn bản"},
                    {"name": "from", "in": "query", "schema": {"type": "string"}, "description": "Từ ngày (DD/MM/YYYY hoặc YYYY-MM-DD)"},
                    {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "Đến ngày"},
                    int_param("unit", "Đơn vị (id)"),
                    int_param("directive", "Văn bản (id)"),
                    {"name": "signer", "in": "query", "schema": {"type": "string"}, "description": "Lãnh đạo chỉ đạo"},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "Số liệu theo đơn vị: hoàn thành đúng hạn, hoàn thành quá hạn, "
                                                     "chưa hoàn thành trong hạn, chưa hoàn thành quá hạn"},
                              **_errors("400", "401", "403", "422")},
            }},
            "/api/v1/openapi.json": {"get": {"summary": "Tài liệu này", "security": [],
                                             "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            # machine endpoints of the channels (no session; each checks its own secret)
            "/unsubscribe/email/{token}": {"post": {
                "summary": "Tắt nhận thư điện tử một lần bấm (RFC 8058, List-Unsubscribe-Post)", "security": [],
                "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
                                "description": "mã ký trong tiêu đề List-Unsubscribe của thư"}],
                "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "properties": {"List-Unsubscribe": {"const": "One-Click"}}}}}},
                "responses": {"204": {"description": "Đã tắt kênh thư điện tử của người nhận"},
                              "200": {"description": "Trang xác nhận (khi mở bằng trình duyệt)"},
                              "404": {"description": "Mã không hợp lệ"}},
            }},
            "/zalo/webhook": {"post": {
                "summary": "Cập nhật từ Zalo Bot Platform (ZALO_MODE=webhook)", "security": [],
                "parameters": [{"name": "X-Bot-Api-Secret-Token", "in": "header", "required": True,
                                "schema": {"type": "string"}, "description": "ZALO_WEBHOOK_SECRET"}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "event_name": {"type": "string", "examples": ["message.text.received"]},
                    "message": {"type": "object"}}}}}},
                "responses": {"200": {"description": "{\"ok\": true}"}, "403": {"description": "Sai mã bí mật"},
                              "404": {"description": "Không ở chế độ webhook"}},
            }},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "details": {"type": "object"}}}}},
                "UnitRef": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                "Unit": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                    "short_name": {"type": ["string", "null"]}, "kind": {"type": "string"},
                    "aliases": {"type": "array", "items": {"type": "string"}}}},
                "Task": task_schema,
                "DraftTask": draft_task,
                "Directive": directive_schema,
                "TaskPage": {"type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
            },
        },
    }
