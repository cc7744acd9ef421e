"""The OpenAPI 3.1 description of /api/v1: paths written by hand; the entities' components (tasks,
directives, units, the caller, extension requests, comments, the inbox) and their request bodies
generated from the SQLModel contracts in `tracker/web/schemas.py`.

Lists every API path, including /api/v1/stats/units, which the dashboard blueprint serves.
"""
from tracker.deadline_state import STATES
from tracker.models import DIRECTIVE_KINDS
from tracker.models import TASK_STATUSES
from tracker.web.schemas import NOTIFICATION_KINDS  # noqa: F401 (kept importable from here)
from tracker.web.schemas import model_components

ERROR_STATUSES = {
    "400": "Yêu cầu sai dạng (JSON hỏng, tham số sai kiểu)",
    "401": "Thiếu hoặc sai mã truy cập",
    "403": "Không có quyền",
    "404": "Không tìm thấy (hoặc không có quyền xem)",
    "409": "Xung đột: phiên bản cũ (version) hoặc trạng thái không cho phép",
    "413": "Nội dung quá lớn",
    "422": "Dữ liệu không hợp lệ",
    "429": "Quá nhiều lần dùng mã truy cập sai từ địa chỉ này: thử lại sau số giây ở header Retry-After",
}


def _errors(*codes: str) -> dict:
    if "401" in codes and "429" not in codes:
        codes = (*codes, "429")  # every bearer-token call: failed tokens are rate limited per address
    return {c: {"description": ERROR_STATUSES[c], "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}} for c in codes}


def _ok(schema_ref: str, description: str = "Thành công", status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}}}


def openapi_document() -> dict:
    int_param = lambda name, desc: {"name": name, "in": "query", "required": False,  # noqa: E731
                                    "schema": {"type": "integer", "minimum": 1}, "description": desc}
    id_param = lambda name: {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}  # noqa: E731
    _report_params = [
        {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
         "description": "Từ ngày (YYYY-MM-DD hoặc DD/MM/YYYY)"},
        {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
         "description": "Đến ngày; không trước `from`"},
        int_param("unit", "Đơn vị chủ trì (id)"),
        {"name": "signer", "in": "query", "schema": {"type": "string"}, "description": "Lãnh đạo chỉ đạo"},
    ]
    _figures = {"tong_so": {"type": "integer"}, "hoan_thanh_dung_han": {"type": "integer"},
                "hoan_thanh_qua_han": {"type": "integer"}, "chua_hoan_thanh_trong_han": {"type": "integer"},
                "chua_hoan_thanh_qua_han": {"type": "integer"}, "khong_co_han": {"type": "integer"},
                "ty_le_dung_han": {"type": ["number", "null"], "description": "Phần trăm, 1 chữ số thập phân"},
                "excluded": {"type": "object", "properties": {"da_huy": {"type": "integer"}}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "directive-tracker API",
            "version": "1",
            "description": "Theo dõi nhiệm vụ từ văn bản chỉ đạo. Xác thực bằng `Authorization: Bearer <mã>` "
                           "(tạo ở trang Tài khoản hoặc `flask --app app users token LOGIN`). Mã sai bị giới hạn theo"
                           " địa chỉ "
                           "(SECRET_THROTTLE_ADDRESS lần trong 15 phút, rồi 429 với `Retry-After`). Lỗi luôn có dạng "
                           '`{"error": {"code", "message"}}`.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/directives": {"post": {
                "summary": "Phân tích văn bản, tạo bản nháp và trả về các nhiệm vụ đề xuất",
                "description": "Nội dung dạng JSON (`text`) hoặc `multipart/form-data` với tệp ở trường `file` "
                               "(.txt, .docx, .pdf, ảnh .png/.jpg/.tif; tối đa MAX_SCAN_BYTES, mặc định 50 MB). "
                               "Tệp có lớp chữ: 201 như dạng JSON. Bản quét/ảnh: 202 "
                               '`{"id", "state": "processing", "progress"}`, hỏi lại ở `GET /api/v1/directives/{id}`.',
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/DirectiveCreate"}},
                    "multipart/form-data": {"schema": {
                        "type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "issued": {"type": "string", "description": "YYYY-MM-DD hoặc DD/MM/YYYY"},
                            "number": {"type": "string"},
                            "kind": {"type": "string", "enum": list(DIRECTIVE_KINDS)}}}}}},
                "responses": {**_ok("Directive", "Bản nháp đã tạo", "201"),
                              "202": {"description": "Bản quét/ảnh: đang nhận dạng chữ ở nền", "content": {
                                  "application/json": {"schema": {"$ref": "#/components/schemas/Processing"}}}},
                              **_errors("400", "401", "403", "413", "422")},
            }},
            "/api/v1/directives/{id}/original": {"get": {
                "summary": "Tệp gốc của văn bản (Văn phòng, lãnh đạo, đơn vị có nhiệm vụ trong văn bản)",
                "parameters": [id_param("id")],
                "responses": {"200": {"description": "Tệp gốc", "content": {"application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"}}}}, **_errors("401", "404")},
            }},
            "/api/v1/directives/{id}": {"get": {
                "summary": "Một văn bản và các nhiệm vụ của nó (bản nháp: nhiệm vụ đề xuất; bản quét đang nhận "
                           'dạng: `{"id", "state": "processing", "progress"}`)',
                "parameters": [id_param("id")],
                "responses": {**_ok("Directive"), **_errors("401", "404")},
            }},
            "/api/v1/directives/{id}/publish": {"post": {
                "summary": "Ban hành bản nháp: tạo tất cả nhiệm vụ hoặc không tạo gì",
                "parameters": [id_param("id")],
                "description": "409 `duplicate` (kèm `duplicate_of`) khi văn bản trùng một văn bản đã ban hành mà "
                               "chưa gửi `confirm_duplicate: true`; 422 `issued_required` khi chưa có ngày ban hành.",
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/DirectivePublish"}}}},
                "responses": {**_ok("Directive", "Đã ban hành", "201"),
                              **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/tasks": {"get": {
                "summary": "Danh sách nhiệm vụ được phép xem, sắp theo hạn",
                "parameters": [
                    int_param("unit", "Đơn vị chủ trì (id)"),
                    {"name": "deadline_state", "in": "query", "schema": {"type": "string", "enum": list(STATES)},
                     "description": "Trạng thái theo hạn"},
                    {"name": "state", "in": "query", "deprecated": True,
                     "schema": {"type": "string", "enum": list(STATES)},
                     "description": "Tên cũ của deadline_state (không dùng cùng lúc với deadline_state: 422)"},
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
                    "summary": "Cập nhật trạng thái, tiến độ, ghi chú (đơn vị); điều chỉnh nhiệm vụ (Văn phòng)",
                    "description": "Các trường điều chỉnh (lead_unit_id, co_unit_ids, action, deadline, recurrence) "
                                   "chỉ dành cho Văn phòng và quản trị (người khác: 403) và cần `reason` "
                                   "(thiếu: 422 `reason_required`). Nhiệm vụ đã hoàn thành hoặc đã hủy: đơn vị "
                                   "gửi state/progress/note nhận 409 `closed`.",
                    "parameters": [id_param("id")],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/TaskUpdate"}}}},
                    "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409", "422")},
                },
            },
            "/api/v1/tasks/{id}/cancel": {"post": {
                "summary": "Hủy nhiệm vụ (Văn phòng): state = da_huy, deadline_state = null, không tính vào số liệu",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "maxLength": 2000}, "version": {"type": "integer"}}}}}},
                "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/tasks/{id}/reopen": {"post": {
                "summary": "Mở lại nhiệm vụ đã hoàn thành hoặc đã hủy (Văn phòng): state = dang_thuc_hien",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "maxLength": 2000}, "version": {"type": "integer"}}}}}},
                "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/tasks/{id}/confirm": {"post": {
                "summary": "Xác nhận hoàn thành (Văn phòng); các đề nghị gia hạn đang chờ tự hủy",
                "parameters": [id_param("id")],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"version": {"type": "integer"}}}}}},
                "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409")},
            }},
            "/api/v1/tasks/{id}/return": {"post": {
                "summary": "Trả lại nhiệm vụ báo hoàn thành (Văn phòng), kèm lý do",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["reason"], "properties": {
                        "reason": {"type": "string", "maxLength": 2000}, "version": {"type": "integer"}}}}}},
                "responses": {**_ok("Task"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/tasks/{id}/extensions": {"post": {
                "summary": "Đề nghị gia hạn (đơn vị chủ trì)",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ExtensionCreate"}}}},
                "responses": {**_ok("Extension", "Đã gửi đề nghị", "201"),
                              **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/extensions/{id}/decide": {"post": {
                "summary": "Quyết định gia hạn: duyệt (có thể cho hạn khác) hoặc từ chối; nhiệm vụ đã đóng: 409",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ExtensionDecide"}}}},
                "responses": {**_ok("ExtensionDecision"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/directives/{id}/withdraw": {"post": {
                "summary": "Thu hồi văn bản (thu_hoi) hoặc đánh dấu đã được thay thế (thay_the, kèm replaced_by); "
                           "hủy các nhiệm vụ chưa hoàn thành; bản nháp: 409",
                "parameters": [id_param("id")],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/DirectiveWithdraw"}}}},
                "responses": {**_ok("Directive"), **_errors("400", "401", "403", "404", "409", "422")},
            }},
            "/api/v1/units": {"get": {
                "summary": "Danh mục đơn vị",
                "responses": {**_ok("UnitList"), **_errors("401")},
            }},
            "/api/v1/stats/units": {"get": {
                "summary": "Số liệu bốn nhóm theo đơn vị (hoàn thành đúng hạn, hoàn thành quá hạn, "
                           "chưa hoàn thành trong hạn, chưa hoàn thành quá hạn)",
                "description": "Phục vụ bởi blueprint tổng hợp (tracker/web/dashboard.py); cùng bộ lọc với trang Tổng"
                               " hợp.",
                "parameters": [
                    {"name": "period", "in": "query", "schema": {"type": "string", "enum": ["deadline", "issued"]},
                     "description": "Lọc theo hạn nhiệm vụ hoặc ngày ban hành văn bản"},
                    {"name": "from", "in": "query", "schema": {"type": "string"},
                     "description": "Từ ngày (DD/MM/YYYY hoặc YYYY-MM-DD)"},
                    {"name": "to", "in": "query", "schema": {"type": "string"}, "description": "Đến ngày"},
                    int_param("unit", "Đơn vị (id)"),
                    int_param("directive", "Văn bản (id)"),
                    {"name": "signer", "in": "query", "schema": {"type": "string"}, "description": "Lãnh đạo chỉ đạo"},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "Số liệu theo đơn vị: hoàn thành đúng hạn, hoàn thành quá hạn, "
                                                     "chưa hoàn thành trong hạn, chưa hoàn thành quá hạn; "
                                                     "`excluded: {\"da_huy\": n}` là số nhiệm vụ đã hủy không tính"},
                              **_errors("400", "401", "403", "422")},
            }},
            "/api/v1/reports/periodic": {"get": {
                "summary": "Báo cáo kết quả thực hiện nhiệm vụ của một kỳ (số liệu bốn nhóm theo đơn vị)",
                "description": "Kỳ [from, to]: nhiệm vụ có hạn trong kỳ và nhiệm vụ không có hạn thuộc văn bản ban "
                               "hành trong kỳ; mỗi nhiệm vụ đánh giá theo lịch sử tại ngày `to` (hoặc hôm nay nếu "
                               "`to` chưa đến). Nhiệm vụ đã hủy không tính, đếm trong `excluded`.",
                "parameters": _report_params,
                "responses": {**_ok("PeriodicReport"), **_errors("401", "403", "422")},
            }},
            "/api/v1/reports/periodic.docx": {"get": {
                "summary": "Báo cáo kết quả của kỳ dạng .docx (thể thức Nghị định 30/2020/NĐ-CP, Phụ lục I)",
                "parameters": _report_params,
                "responses": {"200": {"description": "Tệp Word", "content": {
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                        "schema": {"type": "string", "format": "binary"}}}}, **_errors("401", "403", "422")},
            }},
            "/api/v1/reports/scores": {"get": {
                "summary": "Chấm điểm, xếp hạng đơn vị trong kỳ theo quy tắc chấm điểm đang áp dụng",
                "description": "Tỷ lệ đúng hạn tính trên nhiệm vụ đến hạn hoặc hoàn thành trong kỳ; `dat_80`: đạt "
                               "ngưỡng của quy tắc (mặc định 80%), null khi chưa có nhiệm vụ đến hạn.",
                "parameters": _report_params,
                "responses": {**_ok("UnitScores"), **_errors("401", "403", "422")},
            }},
            "/api/v1/openapi.json": {"get": {"summary": "Tài liệu này", "security": [],
                                             "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            **_collab_paths(id_param),
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
            **_export_job_paths(),
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
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                                            "description": "phiên đăng nhập trên trình duyệt (trang /exports/...)"}},
            "schemas": {
                "Processing": {"type": "object", "required": ["id", "state", "progress"], "properties": {
                    "id": {"type": "integer"}, "state": {"type": "string", "enum": ["processing", "failed"]},
                    "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                    "message": {"type": ["string", "null"]}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "details": {"type": "object"}}}}},
                # Task, TaskUpdate, DraftTask, TaskPage, Directive(+Create/Publish/Withdraw), Unit, UnitList, Me,
                # Extension(+Decision/Create/Decide), Comment(+Create), CommentFile, Notification, Inbox, UnitRef,
                # UserRef: generated from tracker/web/schemas.py
                **model_components(),
                "PeriodicReport": {"type": "object", "required": ["from", "to", "totals", "units"], "properties": {
                    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                    "as_of": {"type": "string", "format": "date", "description": "Ngày đánh giá"},
                    "totals": {"type": "object", "properties": _figures},
                    "units": {"type": "array", "items": {"type": "object", "properties": {
                        "unit": {"$ref": "#/components/schemas/UnitRef"}, **_figures}}}}},
                "UnitScores": {"type": "object", "properties": {
                    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                    "rules": {"type": "object"},
                    "units": {"type": "array", "items": {"type": "object",
                                                         "required": ["unit", "points", "rank",
                                                                      "ty_le_dung_han", "dat_80"],
                                                         "properties": {
                        "unit": {"$ref": "#/components/schemas/UnitRef"}, "points": {"type": "number"},
                        "rank": {"type": "integer"}, "ty_le_dung_han": {"type": ["number", "null"]},
                        "dat_80": {"type": ["boolean", "null"]}}}}}},
                "ExportJob": _EXPORT_JOB_SCHEMA,
            },
        },
    }


# --- issue 18: large exports built by the worker (signed-in session, not a bearer token) -----

_EXPORT_JOB_SCHEMA = {"type": "object", "required": ["job", "poll_url", "page_url", "download_url"], "properties": {
    "job": {"type": "object", "required": ["id", "state", "progress"], "properties": {
        "id": {"type": "integer"}, "state": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "state_label": {"type": "string"}, "progress": {"type": "integer", "minimum": 0, "maximum": 100},
        "message": {"type": ["string", "null"]}, "rows": {"type": "integer"},
        "format": {"type": "string", "enum": ["xlsx", "csv"]}, "filename": {"type": "string"},
        "ready": {"type": "boolean"}, "expires_at": {"type": "string", "format": "date-time"}}},
    "poll_url": {"type": "string"}, "page_url": {"type": "string"},
    "download_url": {"type": ["string", "null"], "description": "khi tệp đã sẵn sàng"}}}


def _export_job_paths() -> dict:
    job_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    cookie = [{"session": []}]
    queued = {"202": {"description": "Quá EXPORT_JOB_ROWS dòng (mặc định 10.000) và yêu cầu Accept: application/json: "
                                     "tệp được tạo ở chế độ nền; `poll_url` cho biết tiến độ",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ExportJob"}}}},
              "303": {"description": "Quá EXPORT_JOB_ROWS dòng (trình duyệt): chuyển tới trang tiến độ "
                                     "/exports/jobs/{id}"}}
    file = {"200": {"description": "Tệp Excel hoặc CSV (bố cục văn phòng)", "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string",
                                                                                      "format": "binary"}},
        "text/csv": {"schema": {"type": "string"}}}}}
    return {
        "/exports/tasks.{fmt}": {"get": {
            "summary": "Xuất danh sách nhiệm vụ đã lọc (xlsx hoặc csv)", "security": cookie,
            "parameters": [{"name": "fmt", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["xlsx", "csv"]}}],
            "responses": {**file, **queued, **_errors("422")}}},
        "/dashboard/export.{fmt}": {"get": {
            "summary": "Xuất bảng tổng hợp theo đơn vị (xlsx kèm danh sách quá hạn, hoặc csv)", "security": cookie,
            "parameters": [{"name": "fmt", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["xlsx", "csv"]}}],
            "responses": {**file, **queued, **_errors("422")}}},
        "/exports/jobs/{id}": {"get": {
            "summary": "Trang tiến độ của tệp xuất lớn, rồi liên kết tải về", "security": cookie,
            "parameters": [job_id],
            "responses": {"200": {"description": "Trang HTML (tự tải lại mỗi 2 giây khi đang tạo tệp)"},
                          "404": {"description": "Không phải của người dùng (trừ quản trị) hoặc đã quá 24 giờ"}}}},
        "/exports/jobs/{id}.json": {"get": {
            "summary": "Tiến độ của tệp xuất lớn (để hỏi lại định kỳ)", "security": cookie,
            "parameters": [job_id],
            "responses": {**_ok("ExportJob"), **_errors("404")}}},
        "/exports/jobs/{id}/file": {"get": {
            "summary": "Tải tệp xuất lớn (giữ 24 giờ; chỉ người yêu cầu và quản trị)", "security": cookie,
            "parameters": [job_id],
            "responses": {**file, "404": {"description": "Chưa xong, đã hết hạn hoặc không phải của người dùng"}}}},
    }


# --- issue 16: /me, comments, inbox, delegation --------------------------------------

def _collab_paths(id_param) -> dict:
    return {
        "/api/v1/me": {"get": {
            "summary": "Người dùng đang gọi API",
            "responses": {**_ok("Me"), **_errors("401")},
        }},
        "/api/v1/tasks/{id}/comments": {
            "get": {"summary": "Trao đổi của nhiệm vụ (cũ trước)", "parameters": [id_param("id")],
                    "responses": {"200": {"description": "Thành công", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"items": {"type": "array", "items": {
                            "$ref": "#/components/schemas/Comment"}}}}}}}, **_errors("401", "404")}},
            "post": {"summary": "Thêm ý kiến (chỉ thêm, không sửa); @login nhắc tên người xem được nhiệm vụ",
                     "parameters": [id_param("id")],
                     "description": "JSON `{\"text\", \"directing\"}`, hoặc `multipart/form-data` với `text`, "
                                    "`directing` và tệp ở trường `file` (nhiều tệp được; tối đa 10). Tệp theo quy tắc "
                                    "minh chứng: loại nhận từ nội dung tệp, tối đa MAX_UPLOAD_BYTES (413).",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": {"$ref": "#/components/schemas/CommentCreate"}},
                         "multipart/form-data": {"schema": {
                             "type": "object", "required": ["text"], "properties": {
                                 "text": {"type": "string", "maxLength": 5000},
                                 "directing": {"type": "string", "enum": ["true", "false", "1", "0"]},
                                 "file": {"type": "array", "maxItems": 10,
                                          "items": {"type": "string", "format": "binary"}}}}}}},
                     "responses": {**_ok("Comment", "Đã thêm", "201"),
                                   **_errors("400", "401", "403", "404", "413", "422")}},
        },
        "/api/v1/attachments/{id}": {"get": {
            "summary": "Tải tệp (minh chứng hoặc tệp gửi kèm ý kiến) của nhiệm vụ người gọi xem được",
            "parameters": [id_param("id")],
            "responses": {"200": {"description": "Tệp, dạng tải về (Content-Disposition: attachment)",
                                  "content": {"application/octet-stream": {
                                      "schema": {"type": "string", "format": "binary"}}}},
                          **_errors("401", "404")},
        }},
        "/api/v1/notifications": {"get": {
            "summary": "Hộp thông báo trong ứng dụng (mới trước) và số chưa đọc",
            "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                           {"name": "per_page", "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                           {"name": "unread", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]},
                            "description": "Chỉ thông báo chưa đọc"}],
            "responses": {**_ok("Inbox"), **_errors("400", "401")},
        }},
        "/api/v1/notifications/read": {"post": {
            "summary": "Đánh dấu đã đọc: {\"ids\": [...]} hoặc {\"all\": true}",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/NotificationsRead"}}}},
            "responses": {**_ok("ReadResult", "Số mục đã đánh dấu và số còn chưa đọc"), **_errors("400", "401", "422")},
        }},
        "/api/v1/tasks/{id}/delegate": {"post": {
            "summary": "Giao nhiệm vụ (hoặc một phần) cho đơn vị cấp dưới: tạo nhiệm vụ con, hạn không sau hạn cha",
            "parameters": [id_param("id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/TaskDelegate"}}}},
            "responses": {**_ok("Task", "Nhiệm vụ con đã tạo", "201"),
                          **_errors("400", "401", "403", "404", "409", "422")},
        }},
    }
